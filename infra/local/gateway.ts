import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { callCounter } from '#platform/call-counter.ts';
import { errorBody } from '#platform/http.ts';
import { routeKey, type FunctionDef, type RouteDef, type Topology } from '../topology.ts';
import { functionName, invokeHandler } from './handlers.ts';
import { sizingOf } from '../constructs/sizing.ts';
import { lambdaContext } from './lambda-context.ts';

/** API Gateway's own payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  readonly route: RouteDef;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

const compile = (route: RouteDef): CompiledRoute => {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!param) return segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
      params.push(param);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), params };
};

/** A path parameter whose percent-encoding is not UTF-8 (`%ff`, `%c0%af`): bad input, named. */
export class MalformedPathParameter extends Error {
  constructor(readonly parameter: string) {
    super(`path parameter ${parameter} is not valid percent-encoded UTF-8`);
  }
}

const decodeParameter = (name: string, raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedPathParameter(name);
  }
};

export const matchRoute = (routes: readonly CompiledRoute[], method: string, path: string) => {
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const match = compiled.pattern.exec(path);
    if (match) {
      const pathParameters = Object.fromEntries(compiled.params.map((name, i) => [name, decodeParameter(name, match[i + 1] ?? '')]));
      return { route: compiled.route, pathParameters };
    }
  }
  return undefined;
};

/** The API's documented 400 (API.md, Errors) for a path the gateway cannot decode. */
const malformedPath = (error: MalformedPathParameter): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 400,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(
    errorBody('validation_failed', 'The path is not valid percent-encoded UTF-8.', [
      { field: `path.${error.parameter}`, message: 'is not valid percent-encoded UTF-8' },
    ]),
  ),
});

const readBody = (request: IncomingMessage): Promise<Buffer | 'too_large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? 'too_large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });

const singleValued = (headers: IncomingMessage['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : String(value)]),
  );

const queryParameters = (search: URLSearchParams): Record<string, string> | undefined => {
  const params: Record<string, string> = {};
  for (const [name, value] of search) params[name] = params[name] === undefined ? value : `${params[name]},${value}`;
  return Object.keys(params).length > 0 ? params : undefined;
};

export interface GatewayOptions {
  readonly root: string;
  readonly topology: Topology;
  readonly log: (line: string) => void;
  /** Overrides the authorizer's identity cache (tests of revocation use 0). */
  readonly authorizerCacheSeconds?: number;
  /** Static files for GETs no route matches (the web console at `/`). */
  readonly site?: (path: string) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;
}

export interface Gateway {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Plays API Gateway HTTP API (payload v2): the same routes, the same Lambda authorizer with
 * its identity cache (kept here; on AWS the authorizer function keeps it), the same APIGatewayProxyEventV2 handed to the same handler, and the
 * `$default` route for anything else.
 */
export const startGateway = async (options: GatewayOptions & { port: number }): Promise<Gateway> => {
  // Like API Gateway, the most specific route wins: fewer path parameters first.
  const routes = options.topology.routes.map(compile).sort((a, b) => a.params.length - b.params.length);
  const cache = new Map<string, { context: Record<string, unknown>; until: number }>();

  const authorize = async (authorization: string | undefined, event: APIGatewayProxyEventV2) => {
    const cached = authorization === undefined ? undefined : cache.get(authorization);
    if (cached && cached.until > Date.now()) return cached.context;
    const result = (await invokeHandler(
      options.root,
      options.topology.authorizer,
      { ...event, type: 'REQUEST', identitySource: authorization === undefined ? [] : [authorization], routeArn: `arn:local:${event.routeKey}` },
      // 10 s, not the deployed 5 s (sizing.ts): the shorter deadline has not been tried beside another run here.
      () => lambdaContext(functionName(options.topology.authorizer), 10),
    )) as { isAuthorized: boolean; context?: Record<string, unknown> };
    if (!result.isAuthorized) return undefined;
    const context = result.context ?? {};
    if (authorization === undefined) return context;
    cache.set(authorization, { context, until: Date.now() + (options.authorizerCacheSeconds ?? options.topology.authorizer.cacheSeconds) * 1000 });
    return context;
  };

  const invoke = async (fn: FunctionDef, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const returned = await invokeHandler(options.root, fn, event, () => lambdaContext(functionName(fn), sizingOf(fn, 'route').timeoutSeconds));
    // Lambda serialises what a handler returns: undefined header values vanish, as on AWS.
    const result: unknown = JSON.parse(JSON.stringify(returned ?? null));
    // Payload v2: a result without statusCode is a 200 JSON body, as API Gateway does.
    if (result && typeof result === 'object' && 'statusCode' in result) return result as APIGatewayProxyStructuredResultV2;
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
    const requestId = randomBytes(12).toString('base64url');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const send = (result: APIGatewayProxyStructuredResultV2) => {
      const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
      response.writeHead(result.statusCode ?? 200, { ...(result.headers ?? {}), 'apigw-requestid': requestId } as Record<string, string>);
      response.end(body);
      return result.statusCode ?? 200;
    };
    const body = await readBody(request);
    if (body === 'too_large') return send({ statusCode: 413, headers: { 'content-type': 'application/json' }, body: '{"message":"Request Entity Too Large"}' });

    let matched: ReturnType<typeof matchRoute>;
    try {
      matched = matchRoute(routes, method, url.pathname);
    } catch (error) {
      if (error instanceof MalformedPathParameter) return send(malformedPath(error));
      throw error;
    }
    callCounter.recordApiRequest(matched ? routeKey(matched.route) : '$default');
    const headers = singleValued(request.headers);
    const now = new Date();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: matched ? routeKey(matched.route) : '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(queryParameters(url.searchParams) ? { queryStringParameters: queryParameters(url.searchParams) } : {}),
      ...(matched && Object.keys(matched.pathParameters).length > 0 ? { pathParameters: matched.pathParameters } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId,
        routeKey: matched ? routeKey(matched.route) : '$default',
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
      isBase64Encoded: false,
    };
    if (!matched && method === 'GET' && options.site) {
      const file = await options.site(url.pathname);
      if (file) return send(file);
    }
    if (!matched) return send(await invoke(options.topology.defaultRoute, event));
    if (matched.route.roles !== 'public') {
      // As on AWS, where the authorizer has no identity source: a request without Authorization
      // is identified too (anonymous), and the route's handler answers it with the API's 401.
      const context = await authorize(headers.authorization || undefined, event);
      if (!context) return send({ statusCode: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"Forbidden"}' });
      (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: context };
    }
    return send(await invoke(matched.route, event));
  };

  const server: Server = createServer((request, response) => {
    const started = Date.now();
    handle(request, response)
      .then((status) => options.log(`${request.method} ${request.url} ${status} ${Date.now() - started}ms`))
      .catch((error: Error) => {
        options.log(`${request.method} ${request.url} failed: ${error.stack ?? error.message}`);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"message":"Internal Server Error"}');
      });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
