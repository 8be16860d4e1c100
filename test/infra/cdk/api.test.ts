import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { routeKey, topology } from '#infra/topology.ts';
import { routeSettingsOf } from '#infra/constructs/gpuhive-api.ts';
import { stageConfig } from '#infra/stacks/stage-config.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, apiTemplate, logicalIdOf, passedTo } = sharedSynthesis();
const routes = apiTemplate.findResources('AWS::ApiGatewayV2::Route');
const routeByKey = (key: string) => Object.values(routes).find((route) => route.Properties.RouteKey === key);
const [authorizerId] = Object.keys(apiTemplate.findResources('AWS::ApiGatewayV2::Authorizer'));

/** The function a route's integration invokes, as its logical id. */
const integratedFunctionOf = (key: string): unknown => {
  const target = routeByKey(key)?.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
  const integration = apiTemplate.toJSON().Resources[target['Fn::Join'][1][1].Ref];
  // The API is a nested stack: the function's ARN arrives as a parameter from the main stack.
  return (passedTo(stack.api, integration.Properties.IntegrationUri) as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
};

const [stage] = Object.values(apiTemplate.findResources('AWS::ApiGatewayV2::Stage'));
const prodStage = Object.values(sharedSynthesis({ stage: 'prod' }).apiTemplate.findResources('AWS::ApiGatewayV2::Stage'))[0];
const throttledRoutes = Object.entries(stageConfig('dev').routeThrottles);
const prodThrottledRoutes = Object.entries(stageConfig('prod').routeThrottles);

const protectedRoutes = topology.routes.filter((route) => route.roles !== 'public').map((route) => [routeKey(route), route] as const);
const publicRoutes = topology.routes.filter((route) => route.roles === 'public').map((route) => [routeKey(route), route] as const);

describe('GpuhiveStack HTTP API', () => {
  it.each(topology.routes.map((route) => [routeKey(route), route] as const))('declares the route %s', (key) => {
    expect(routeByKey(key)).toBeDefined();
  });

  it.each(topology.routes.map((route) => [routeKey(route), route] as const))('sends %s to its own handler', (key, route) => {
    expect(integratedFunctionOf(key)).toBe(logicalIdOf(stack.functionOf(route)));
  });

  it.each(protectedRoutes)('puts the identifying authorizer in front of %s', (key) => {
    expect(routeByKey(key)?.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
  });

  it.each(publicRoutes)('leaves the public route %s without an authorizer', (key) => {
    expect(routeByKey(key)?.Properties.AuthorizationType).toBe('NONE');
  });

  it('has no route beyond the topology and $default', () => {
    const keys = Object.values(routes).map((route) => route.Properties.RouteKey as string);
    expect(keys.sort()).toEqual([...topology.routes.map(routeKey), '$default'].sort());
  });

  it('answers unmatched requests through a $default route to the not-found handler', () => {
    expect(integratedFunctionOf('$default')).toBe(logicalIdOf(stack.functionOf(topology.defaultRoute)));
  });

  it('identifies callers with a simple-response Lambda authorizer keyed on the Authorization header', () => {
    apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
    });
  });

  it('requires no identity source, so a request without Authorization reaches the handler for the API\'s own 401', () => {
    const [authorizer] = Object.values(apiTemplate.findResources('AWS::ApiGatewayV2::Authorizer')) as { Properties: Record<string, unknown> }[];
    expect(authorizer?.Properties.IdentitySource ?? []).toEqual([]);
    // CloudFormation allows no gateway cache without an identity source: the function caches instead.
    expect(authorizer?.Properties.AuthorizerResultTtlInSeconds).toBe(0);
  });

  it('has the authorizer function remember identities for the topology\'s cacheSeconds', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTHORIZER_CACHE_SECONDS: String(topology.authorizer.cacheSeconds) }) },
    });
  });

  it('serves the $default stage with auto-deploy', () => {
    apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
  });

  it('throttles the stage with the stage config\'s rate and burst', () => {
    apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: stack.config.throttle.rateLimit, ThrottlingBurstLimit: stack.config.throttle.burstLimit },
    });
  });

  it.each(throttledRoutes)('throttles %s with its own dev limits', (key, throttle) => {
    expect(stage?.Properties.RouteSettings[key]).toEqual({ ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit });
  });

  it.each(prodThrottledRoutes)('throttles %s with its own prod limits', (key, throttle) => {
    expect(prodStage?.Properties.RouteSettings[key]).toEqual({ ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit });
  });

  it('overrides the default throttle only for routes the stage config names', () => {
    expect(Object.keys(stage?.Properties.RouteSettings).sort()).toEqual(throttledRoutes.map(([key]) => key).sort());
  });

  it('gives agent heartbeats more room than the default route limit in prod', () => {
    expect(prodStage?.Properties.RouteSettings['POST /v1/agent/heartbeat'].ThrottlingRateLimit).toBeGreaterThan(stageConfig('prod').throttle.rateLimit);
  });

  it('holds the public registration route below the default route limit', () => {
    expect(stage?.Properties.RouteSettings['POST /v1/agent/register'].ThrottlingRateLimit).toBeLessThan(stack.config.throttle.rateLimit);
  });

  it('creates the stage only after every route its settings name', () => {
    const routeIds = Object.entries(routes).filter(([, route]) => route.Properties.RouteKey !== '$default').map(([id]) => id);
    expect(routeIds.filter((id) => !(stage?.DependsOn as string[]).includes(id))).toEqual([]);
  });

  it('refuses a throttle for a route the topology does not declare', () => {
    expect(() => routeSettingsOf({ 'GET /v1/nowhere': { rateLimit: 1, burstLimit: 1 } }, topology.routes.map(routeKey))).toThrow(/GET \/v1\/nowhere/);
  });

  it('writes access logs with the request id to a log group', () => {
    apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
  });

  it('keeps access logs for the stage\'s log retention', () => {
    const groupId = (stage?.Properties.AccessLogSettings.DestinationArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(apiTemplate.toJSON().Resources[groupId].Properties.RetentionInDays).toBe(stack.config.logRetention);
  });

  it('outputs the API URL', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
  });
});

describe('the API\'s nested stack', () => {
  const count = (t: typeof template) => Object.keys(t.toJSON().Resources).length;

  it('holds the routes, integrations and invoke permissions, so the main stack keeps room below CloudFormation\'s 500 resources', () => {
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Route'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::Lambda::Permission')).length).toBeLessThan(topology.routes.length);
    // A new route adds a function, its role and its policy here: room for at least 30 more.
    expect(count(template) + 30 * 3).toBeLessThan(500);
    expect(count(apiTemplate)).toBeLessThan(500);
  });
});
