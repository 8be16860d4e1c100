import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { findRoute } from '#infra/topology.ts';
import {
  ConflictError,
  ServiceBusyError,
  DomainError,
  InsufficientFundsError,
  ForbiddenError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
  type FieldIssue,
} from './errors.ts';
import { idempotencyKeyHeader, idempotencyKeyOfEvent, type IdempotencyKey } from './idempotency-key.ts';
import { principalFromAuthorizerContext, type Principal } from './principal.ts';

/** Bodies above this are refused before parsing (API Gateway itself stops at 10 MB). */
export const MAX_BODY_BYTES = 256 * 1024;

export interface HttpRequest<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly path: P;
  readonly principal: Principal;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly requestId: string;
  /** When API Gateway received the request (`requestContext.timeEpoch`), before any wait to be handled. */
  readonly receivedAt: Date;
  /** The Idempotency-Key and the body's hash, on a route that takes one (`idempotencyKey: true`) when the request sent it. */
  readonly idempotency?: IdempotencyKey;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  /** Extra response headers (an ETag). */
  readonly headers?: Readonly<Record<string, string>>;
}

export const json = (statusCode: number, body?: unknown): HttpResult => ({ statusCode, body });

interface Schemas<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  readonly body?: B;
  readonly query?: Q;
  readonly path?: P;
  /** Overrides MAX_BODY_BYTES for a route that takes larger bodies (the agent's log chunks). */
  readonly maxBodyBytes?: number;
  /** The route honours an Idempotency-Key header (validated after the body, 400 naming the header). */
  readonly idempotencyKey?: boolean;
}

type Event = APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda?: unknown } } };

/**
 * One table from domain errors to the API's status codes. A domain error it does not name is
 * a defect (a new error class nobody mapped), so it answers like any unexpected error: a
 * generic 500, logged as an error, rather than a 4xx that blames the client.
 */
const statusOf = (error: DomainError): number | undefined => {
  if (error instanceof ValidationError || error instanceof MalformedJsonError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof InsufficientFundsError) return 402;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof ServiceBusyError) return 503;
  return undefined;
};

export const errorBody = (code: string, message: string, details?: readonly FieldIssue[]) => ({
  error: { code, message, ...(details && details.length > 0 ? { details } : {}) },
});

const respond = (statusCode: number, body: unknown, headers: Readonly<Record<string, string>> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Middy's body parser signals malformed JSON with its own 415; the API says 400. */
const isMiddyJsonError = (error: unknown): boolean =>
  (error as { cause?: { package?: string } })?.cause?.package === '@middy/http-json-body-parser';

/** DynamoDB refuses a resume key no query of ours returned: the client sent a forged or mangled cursor. */
const isRefusedStartKey = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'ValidationException' && /(start(ing)? key|ExclusiveStartKey)/i.test((error as Error).message ?? '');

/** Middy answers for a handler about to run out of its Lambda time: the work may well succeed if sent again. */
const isMiddyTimeout = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'TimeoutError' && (error as { cause?: { package?: string } })?.cause?.package === '@middy/core';

const toDomainError = (error: unknown): DomainError | undefined => {
  if (error instanceof DomainError) return error;
  if (isMiddyTimeout(error)) return new ServiceBusyError('The request did not finish in time; retry shortly.');
  if (isMiddyJsonError(error)) return new MalformedJsonError('The body is not valid JSON.');
  if (isRefusedStartKey(error)) return new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
  return undefined;
};

const apiErrors = (logger: Logger): MiddlewareObj<Event, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    const domainError = toDomainError(request.error);
    const status = domainError ? statusOf(domainError) : undefined;
    if (domainError && status !== undefined) {
      logger.info('request refused', { status, code: domainError.code, reason: domainError.message });
      const details =
        domainError instanceof ValidationError ? domainError.details
        : domainError instanceof MalformedJsonError ? [{ field: 'body', message: 'is not valid JSON' }]
        : undefined;
      request.response = respond(status, errorBody(domainError.code, domainError.message, details));
      if (domainError instanceof ServiceBusyError) {
        request.response.headers = { ...request.response.headers, 'retry-after': String(domainError.retryAfterSeconds) };
      }
      return;
    }
    logger.error('request failed', request.error as Error);
    request.response = respond(500, errorBody('internal_error', 'internal error'));
  },
});

/** Every response carries the request id that every log line of the request carries. */
const requestIdHeader = (): MiddlewareObj<Event, APIGatewayProxyStructuredResultV2> => {
  const stamp = (request: { event: Event; response: APIGatewayProxyStructuredResultV2 | null | undefined }) => {
    if (!request.response) return;
    request.response.headers = { ...request.response.headers, 'x-request-id': request.event.requestContext.requestId };
  };
  return { after: stamp, onError: stamp };
};

/** 401 for anonymous callers, 403 for a role the topology does not admit on this route. */
const authorizeFromTopology = (): MiddlewareObj<Event> => ({
  before: async (request) => {
    const route = findRoute(request.event.routeKey);
    if (!route) throw new NotFoundError(`No route ${request.event.routeKey}.`);
    if (route.roles === 'public') return;
    const principal = principalFromAuthorizerContext(request.event.requestContext.authorizer?.lambda);
    if (principal.kind === 'anonymous') throw new UnauthorizedError();
    if (!route.roles.includes(principal.role)) {
      throw new ForbiddenError(`This route is not open to ${principal.role} keys.`);
    }
  },
});

/** Every route refuses an oversized body, whether or not it reads one, before anything parses it. */
const bodySizeLimit = (maxBytes: number): MiddlewareObj<Event> => ({
  before: async (request) => {
    const body = request.event.body ?? '';
    const bytes = request.event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body);
    if (bytes > maxBytes) throw new PayloadTooLargeError(`The body is larger than ${maxBytes} bytes.`);
  },
});

/** An empty body is an empty object, so the schema can name the fields that are missing. */
const emptyBodyAsObject = (): MiddlewareObj<Event> => ({
  before: async (request) => {
    if ((request.event.body ?? '').trim() === '') request.event.body = '{}';
  },
});

const fieldName = (prefix: string | undefined, path: readonly PropertyKey[]): string =>
  [prefix, ...path.map(String)].filter((part) => part !== undefined && part !== '').join('.') || (prefix ?? 'body');

/** Zod issues as the API's details: one per bad field, an unknown field named by itself. */
export const issuesOf = (error: z.ZodError, prefix?: string): FieldIssue[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName(prefix, [...issue.path, key]), message: 'is not a known field' }))
      : [{ field: fieldName(prefix, issue.path), message: issue.message }],
  );

const parsePart = <T extends z.ZodType>(schema: T | undefined, value: unknown, prefix?: string): z.infer<T> => {
  if (!schema) return undefined as z.infer<T>;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new ValidationError(issuesOf(result.error, prefix));
  return result.data;
};

interface ValidatedParts {
  readonly body: unknown;
  readonly query: unknown;
  readonly path: unknown;
}

const validatedParts = new WeakMap<Event, ValidatedParts>();

/** Body, query and path through their zod schemas (400 naming each bad field, the body's first), for the middlewares after it and the handler. */
const validateRequest = (schemas: Schemas<z.ZodType, z.ZodType, z.ZodType>): MiddlewareObj<Event> => ({
  before: async (request) => {
    const { event } = request;
    validatedParts.set(event, {
      body: parsePart(schemas.body, event.body),
      query: parsePart(schemas.query, event.queryStringParameters, 'query'),
      path: parsePart(schemas.path, event.pathParameters, 'path'),
    });
  },
});

const partsOf = (event: Event): ValidatedParts => validatedParts.get(event) ?? { body: undefined, query: undefined, path: undefined };

/**
 * The one way to build an HTTP handler: logging with the request id, headers, CORS and
 * security headers, authorization from the topology, size limit, JSON parsing, zod
 * validation of body, query and path (400 naming each bad field), the Idempotency-Key where
 * the route takes one, and the error table.
 * Returns the middy handler (with its `requestSchemas` and `maxBodyBytes`); `core` stays a plain function for tests.
 */
export const httpRoute = <B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined>(
  logger: Logger,
  schemas: Schemas<B, Q, P>,
  core: (request: HttpRequest<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<HttpResult>,
) => {
  const base = middy<Event, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use({ before: async (request) => logger.appendKeys({ requestId: request.event.requestContext.requestId, route: request.event.routeKey }) })
    .use(httpHeaderNormalizer())
    .use(httpCors({ origin: '*', headers: 'authorization,content-type,idempotency-key' }))
    .use(httpSecurityHeaders())
    .use(requestIdHeader())
    .use(apiErrors(logger))
    .use(authorizeFromTopology())
    .use(bodySizeLimit(schemas.maxBodyBytes ?? MAX_BODY_BYTES));
  const withBody = schemas.body
    ? // JSON whatever the content type (curl -d sends form-urlencoded); 6.4.5 supports the option but does not type it.
      base.use(emptyBodyAsObject()).use(httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]))
    : base;
  const validated = withBody.use(validateRequest(schemas));
  const keyed = schemas.idempotencyKey ? validated.use(idempotencyKeyHeader<Event>((event) => partsOf(event).body)) : validated;
  const handler = keyed.handler(async (event) => {
    const { body, query, path } = partsOf(event);
    const idempotency = idempotencyKeyOfEvent(event);
    const result = await core({
      body: body as z.infer<B>,
      query: query as z.infer<Q>,
      path: path as z.infer<P>,
      principal: principalFromAuthorizerContext(event.requestContext.authorizer?.lambda),
      headers: event.headers,
      requestId: event.requestContext.requestId,
      // A hand-made test event in the Lambda console may lack it: then the handler's clock.
      receivedAt: Number.isFinite(event.requestContext.timeEpoch) ? new Date(event.requestContext.timeEpoch) : new Date(),
      ...(idempotency ? { idempotency } : {}),
    });
    return respond(result.statusCode, result.body, result.headers);
  });
  // The schemas it validates with, so the OpenAPI test can prove the spec describes these very objects,
  // and the body limit it enforces, so tests of oversized bodies judge each route by its own.
  return Object.assign(handler, { requestSchemas: schemas, maxBodyBytes: schemas.maxBodyBytes ?? MAX_BODY_BYTES });
};
