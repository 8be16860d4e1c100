import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { ConflictError, DomainError, ForbiddenError, InsufficientFundsError, NotFoundError, PayloadTooLargeError, ServiceBusyError, UnauthorizedError, ValidationError } from '#platform/errors.ts';
import { httpRoute, json, MAX_BODY_BYTES, type HttpRequest } from '#platform/http.ts';
import { adminPrincipal, httpEvent, lambdaContext, renterPrincipal, silentLogger } from '#test/support/factories.ts';

const Body = z.object({ kind: z.enum(['renter', 'provider']), name: z.string().min(1) });
type Seen = HttpRequest<z.infer<typeof Body>, undefined, undefined>;

/** A route whose core records what it was given and answers 201, or runs `behaviour`. */
const route = (behaviour?: (request: Seen) => Promise<never>) => {
  const seen: Seen[] = [];
  const handler = httpRoute(silentLogger(), { body: Body }, async (request) => {
    seen.push(request);
    if (behaviour) return behaviour(request);
    return json(201, { ok: true, name: request.body.name });
  });
  return { handler, seen };
};

const ADMIN_ROUTE = 'POST /v1/accounts';
const PUBLIC_ROUTE = 'POST /v1/agent/register';

const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? 'null') as Record<string, any>;

describe('httpRoute', () => {
  it('hands the parsed body and the principal to the core and answers with its result', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(bodyOf(response)).toEqual({ ok: true, name: 'Ada' });
    expect(seen[0]?.body).toEqual({ kind: 'renter', name: 'Ada' });
    expect(seen[0]?.principal).toEqual(adminPrincipal);
  });

  it('hands the core when API Gateway received the request, not when the handler ran', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    await handler({ ...event, requestContext: { ...event.requestContext, timeEpoch: Date.UTC(2025, 2, 10, 9, 59, 30) } }, lambdaContext());

    expect(seen[0]?.receivedAt.toISOString()).toBe('2025-03-10T09:59:30.000Z');
  });

  it('hands the handler\'s time as received for an event without timeEpoch (a hand-made test event)', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });
    const { timeEpoch: _dropped, ...requestContext } = event.requestContext;
    const before = Date.now();

    await handler({ ...event, requestContext: requestContext as typeof event.requestContext }, lambdaContext());

    expect(seen[0]?.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('answers 400 validation_failed naming each bad field', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"landlord","name":""}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    const { error } = bodyOf(response);
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((issue: { field: string }) => issue.field).sort()).toEqual(['kind', 'name']);
    expect(seen).toHaveLength(0);
  });

  it('answers 400 naming the missing fields when the body is empty', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    const { error } = bodyOf(response);
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((issue: { field: string }) => issue.field).sort()).toEqual(['kind', 'name']);
  });

  it('answers 400 naming the missing fields when there is no body at all', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details.map((issue: { field: string }) => issue.field).sort()).toEqual(['kind', 'name']);
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind": "renter",' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('malformed_json');
    expect(bodyOf(response).error.details).toEqual([{ field: 'body', message: 'is not valid JSON' }]);
  });

  it('parses JSON whatever the content type says', async () => {
    const { handler } = route();
    const event = httpEvent({
      routeKey: ADMIN_ROUTE,
      principal: adminPrincipal,
      body: '{"kind":"renter","name":"Ada"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(201);
  });

  it('answers 413 payload_too_large for a body over 256 KiB', async () => {
    const { handler, seen } = route();
    const body = JSON.stringify({ kind: 'renter', name: 'x'.repeat(MAX_BODY_BYTES) });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).error.code).toBe('payload_too_large');
    expect(seen).toHaveLength(0);
  });

  it('answers 413 to an oversized body on a route that reads no body, before its core runs', async () => {
    let ran = false;
    const handler = httpRoute(silentLogger(), {}, async () => {
      ran = true;
      return json(202);
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: 'x'.repeat(MAX_BODY_BYTES + 1) });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(413);
    expect(ran).toBe(false);
  });

  it('answers 401 unauthorized to an anonymous caller on a route that needs a role', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: { kind: 'anonymous' }, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error.code).toBe('unauthorized');
    expect(seen).toHaveLength(0);
  });

  it('answers 401 when the authorizer context is missing', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(401);
  });

  it('answers 401 before reading the body of an anonymous caller', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, body: 'not json' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(401);
  });

  it('answers 403 forbidden to a role the route does not admit', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: renterPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(403);
    expect(bodyOf(response).error.code).toBe('forbidden');
    expect(seen).toHaveLength(0);
  });

  it('lets an anonymous caller use a public route', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: PUBLIC_ROUTE, body: '{"kind":"provider","name":"rig"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(201);
  });

  it('answers 404 for a route key the topology does not declare', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: 'POST /v1/nowhere', principal: adminPrincipal, body: '{}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(404);
  });

  it('maps a ConflictError from the core to 409 with its own code and message', async () => {
    const { handler } = route(async () => {
      throw new ConflictError('last_active_key', 'This is the last active key.');
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toEqual({ error: { code: 'last_active_key', message: 'This is the last active key.' } });
  });

  it('maps a ServiceBusyError to a retryable 503 busy with Retry-After, never a 500 (issue 13)', async () => {
    const { handler } = route(async () => {
      throw new ServiceBusyError('usage records kept conflicting with concurrent writers; retry shortly', 2);
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('2');
    expect(bodyOf(response).error.code).toBe('busy');
  });

  it('answers a handler that runs out of its Lambda time with a retryable 503 busy, not a 500', async () => {
    const { handler } = route(() => new Promise<never>(() => undefined));
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, { ...lambdaContext(), getRemainingTimeInMillis: () => 50 });

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
  });

  it('answers an unexpected error with a generic 500 and no stack trace', async () => {
    const { handler } = route(async () => {
      throw new Error('connection to table gpuhive-prod-accounts refused at 10.0.3.7');
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"internal_error","message":"internal error"}}');
  });

  it.each([
    ['a success', '{"kind":"renter","name":"Ada"}', adminPrincipal, 201],
    ['a validation failure', '{}', adminPrincipal, 400],
    ['malformed JSON', '{', adminPrincipal, 400],
    ['an anonymous caller', '{}', undefined, 401],
    ['a wrong role', '{}', renterPrincipal, 403],
    ['an oversized body', 'x'.repeat(MAX_BODY_BYTES + 1), adminPrincipal, 413],
  ] as const)('sets x-request-id to the gateway request id on %s', async (_, body, principal, status) => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, body, requestId: 'req-7f3a', ...(principal ? { principal } : {}) });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(status);
    expect(response.headers?.['x-request-id']).toBe('req-7f3a');
  });

  it.each([
    ['ValidationError', () => new ValidationError([{ field: 'gpu.count', message: 'too many' }]), 400, 'validation_failed'],
    ['UnauthorizedError', () => new UnauthorizedError(), 401, 'unauthorized'],
    ['InsufficientFundsError', () => new InsufficientFundsError('not enough credit'), 402, 'insufficient_funds'],
    ['ForbiddenError', () => new ForbiddenError('not yours'), 403, 'forbidden'],
    ['NotFoundError', () => new NotFoundError('no such job'), 404, 'not_found'],
    ['ConflictError', () => new ConflictError('job_not_running', 'The job is not running.'), 409, 'job_not_running'],
    ['PayloadTooLargeError', () => new PayloadTooLargeError('too big'), 413, 'payload_too_large'],
    ['ServiceBusyError', () => new ServiceBusyError('lost a race'), 503, 'busy'],
  ] as const)('maps a %s from the core to %i', async (_, error, status, code) => {
    const { handler } = route(async () => {
      throw error();
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(status);
    expect(bodyOf(response).error.code).toBe(code);
  });

  it('answers a domain error the table does not map with a generic 500, not a 4xx (issue 16)', async () => {
    class UnmappedError extends DomainError {
      readonly code = 'unmapped_thing';
    }
    const { handler } = route(async () => {
      throw new UnmappedError('a rule nobody gave a status to');
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":{"code":"internal_error","message":"internal error"}}');
  });

  it('sets x-request-id on a 500', async () => {
    const { handler } = route(async () => {
      throw new TypeError('boom');
    });
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}', requestId: 'req-500' });

    const response = await handler(event, lambdaContext());

    expect(response.headers?.['x-request-id']).toBe('req-500');
  });

  it('answers JSON with a content type', async () => {
    const { handler } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    const response = await handler(event, lambdaContext());

    expect(response.headers?.['content-type']).toBe('application/json');
  });

  it('names query fields with a "query." prefix', async () => {
    const handler = httpRoute(silentLogger(), { query: z.object({ limit: z.coerce.number().int().max(100) }) }, async () => json(200, {}));
    const event = httpEvent({ routeKey: 'GET /v1/accounts/me/keys', principal: renterPrincipal, queryStringParameters: { limit: '500' } });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details[0].field).toBe('query.limit');
  });
});

describe('httpRoute with idempotencyKey', () => {
  const keyedRoute = () => {
    const seen: Seen[] = [];
    const handler = httpRoute(silentLogger(), { body: Body, idempotencyKey: true }, async (request) => {
      seen.push(request);
      return json(201, { ok: true });
    });
    return { handler, seen };
  };
  const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

  it('hands the core the key and the hash of the validated body', async () => {
    const { handler, seen } = keyedRoute();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"name":"Ada","kind":"renter"}', headers: { 'idempotency-key': 'close-2026-11' } });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(seen[0]?.idempotency).toEqual({ key: 'close-2026-11', bodyHash: hashOf({ kind: 'renter', name: 'Ada' }) });
  });

  it('finds the header whatever its case', async () => {
    const { handler, seen } = keyedRoute();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}', headers: { 'Idempotency-Key': 'k1' } });

    await handler(event, lambdaContext());

    expect(seen[0]?.idempotency?.key).toBe('k1');
  });

  it('hands no key when the request sends none', async () => {
    const { handler, seen } = keyedRoute();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' });

    await handler(event, lambdaContext());

    expect(seen).toHaveLength(1);
    expect(seen[0]?.idempotency).toBeUndefined();
  });

  it.each([['an empty key', ''], ['a space', 'a b'], ['256 characters', 'k'.repeat(256)], ['a non-ASCII character', 'clé']])('answers 400 naming Idempotency-Key for %s', async (_, key) => {
    const { handler, seen } = keyedRoute();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}', headers: { 'idempotency-key': key } });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details).toEqual([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
    expect(seen).toHaveLength(0);
  });

  it('names the bad body fields first when both the body and the key are bad', async () => {
    const { handler } = keyedRoute();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"landlord","name":"Ada"}', headers: { 'idempotency-key': 'a b' } });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details.map((issue: { field: string }) => issue.field)).toEqual(['kind']);
  });

  it('ignores the header on a route that takes no key', async () => {
    const { handler, seen } = route();
    const event = httpEvent({ routeKey: ADMIN_ROUTE, principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}', headers: { 'idempotency-key': 'a b' } });

    const response = await handler(event, lambdaContext());

    expect(response.statusCode).toBe(201);
    expect(seen[0]?.idempotency).toBeUndefined();
  });
});
