import { Duration, NestedStack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  LogGroupLogDestination,
  type HttpStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, LogGroupClass } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { routeKey, type RouteDef } from '#infra/topology.ts';
import type { StageConfig, Throttle } from '#infra/stacks/stage-config.ts';


export interface ApiRoute {
  readonly def: RouteDef;
  readonly fn: IFunction;
}

export interface GpuhiveApiProps {
  readonly apiName: string;
  readonly stage: StageConfig;
  readonly routes: readonly ApiRoute[];
  /** Answers every method and path no route matches with the API's 404. */
  readonly defaultRoute: IFunction;
  readonly authorizer: { readonly fn: IFunction; readonly cacheSeconds: number };
}

/** `GET /v1/hosts/{hostId}` -> `GetV1HostsHostId`. */
export const routeIdOf = (route: Pick<RouteDef, 'method' | 'path'>): string =>
  routeKey(route)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join('');

/**
 * API Gateway's per-route overrides, keyed by route key. A key the API does not serve is a
 * mistake (a renamed route would silently lose its limit), so it fails the synth.
 */
export const routeSettingsOf = (throttles: Readonly<Record<string, Throttle>>, served: readonly string[]) => {
  const unknown = Object.keys(throttles).filter((key) => !served.includes(key));
  if (unknown.length > 0) throw new Error(`Throttles name routes the topology does not declare: ${unknown.join(', ')}`);
  return Object.fromEntries(
    Object.entries(throttles).map(([key, throttle]) => [
      key,
      { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit },
    ]),
  );
};

/** One JSON line per request: enough to follow a request id from the API into the function's logs. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    userAgent: '$context.identity.userAgent',
  }),
);

/**
 * The public HTTP API, built from the topology's routes (ARCHITECTURE.md, One topology, two
 * targets). The Lambda authorizer only identifies the caller: it admits unknown secrets as
 * anonymous, and each handler checks the route's roles, so a cached identity never opens
 * another route.
 *
 * It is a nested stack: each route brings a route, an integration and an invoke permission,
 * and CloudFormation stops at 500 resources per stack; here they leave the main stack its
 * room for the functions themselves (a function, its role and its policy).
 */
export class GpuhiveApi extends NestedStack {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: GpuhiveApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'HttpApi', { apiName: props.apiName, createDefaultStage: false });

    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupClass: LogGroupClass[props.stage.accessLogClass],
      retention: props.stage.logRetention,
      removalPolicy: props.stage.removalPolicy,
    }));
    // The $default stage serves the API at its root, with no stage name in the path.
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.stage.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });

    // No identity source: API Gateway would answer a request without it with its own
    // {"message":"Unauthorized"}, not the API's error shape; without one it must not cache
    // (CloudFormation's rule), so the authorizer function keeps the identity cache itself
    // (AUTHORIZER_CACHE_SECONDS, the topology's cacheSeconds).
    this.authorizer = new HttpLambdaAuthorizer('Identify', props.authorizer.fn, {
      authorizerName: 'identify-caller',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    const routes: HttpRoute[] = [];
    for (const { def, fn } of props.routes) {
      const id = routeIdOf(def);
      const route = new HttpRoute(this, id, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(def.path, HttpMethod[def.method]),
        integration: new HttpLambdaIntegration(`${id}Integration`, fn),
        authorizer: def.roles === 'public' ? new HttpNoneAuthorizer() : this.authorizer,
      });
      routes.push(route);
      if (def.roles === 'public') {
        if (!def.publicBecause) throw new Error(`${routeKey(def)} is public: say why in its publicBecause`);
        Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: `${routeKey(def)} is public by design: ${def.publicBecause}.` });
      }
    }

    const fallback = new HttpRoute(this, 'Default', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('DefaultIntegration', props.defaultRoute),
      authorizer: new HttpNoneAuthorizer(),
    });
    // The default throttle above covers every route; these override it route by route. API Gateway
    // refuses settings for a route key that does not exist yet, so the stage waits for the routes.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = routeSettingsOf(props.stage.routeThrottles, props.routes.map(({ def }) => routeKey(def)));
    for (const route of routes) this.stage.node.addDependency(route);

    Validations.of(fallback).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: '$default only answers unmatched methods and paths with the API\'s 404 and reads no data; identifying the caller would add an authorizer call to every probe.',
    });
  }

  get url(): string {
    return this.stage.url;
  }
}
