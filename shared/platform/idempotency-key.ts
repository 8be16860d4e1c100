import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { ValidationError } from './errors.ts';

/** A request's Idempotency-Key and the hash of the body it came with (same key, other body: a 409). */
export interface IdempotencyKey {
  readonly key: string;
  readonly bodyHash: string;
}

/** The header as sent (API Gateway and middy's normalizer give it lower-cased); at most 255 visible ASCII characters. */
export const idempotencyKeyOf = (headers: Readonly<Record<string, string | undefined>>, body: unknown): IdempotencyKey | undefined => {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return { key, bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
};

interface KeyedEvent {
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const keys = new WeakMap<object, IdempotencyKey | undefined>();

/**
 * Reads the Idempotency-Key of a route that takes one, after the body was validated (the hash
 * is of the validated body, so key order and defaults do not make two bodies differ). A bad
 * key is a 400 naming the header. `bodyOf` gives the validated body of the event.
 */
export const idempotencyKeyHeader = <E extends KeyedEvent>(bodyOf: (event: E) => unknown): MiddlewareObj<E> => ({
  before: async (request) => {
    keys.set(request.event, idempotencyKeyOf(request.event.headers, bodyOf(request.event)));
  },
});

/** The key `idempotencyKeyHeader` read for this event, if the request sent one. */
export const idempotencyKeyOfEvent = (event: object): IdempotencyKey | undefined => keys.get(event);
