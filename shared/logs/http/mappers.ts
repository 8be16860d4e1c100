import { ValidationError } from '#platform/errors.ts';
import { START, type LogPosition } from '../domain/log-chunks.ts';
import type { LogPage } from '../use-cases/read-logs.ts';

/** `since` is opaque to clients: the position to read from, as base64url JSON. */
export const encodeSince = (position: LogPosition): string => Buffer.from(JSON.stringify({ s: position.segment, o: position.offset }), 'utf8').toString('base64url');

export const decodeSince = (since: string | undefined): LogPosition => {
  if (since === undefined || since === '') return START;
  try {
    const value = JSON.parse(Buffer.from(since, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    if (Number.isSafeInteger(value.s) && Number.isSafeInteger(value.o) && (value.s as number) >= 0 && (value.o as number) >= 0) {
      return { segment: value.s as number, offset: value.o as number };
    }
  } catch {
    // fall through to the validation error below
  }
  throw new ValidationError([{ field: 'query.since', message: 'is not a cursor this API returned' }]);
};

export const logPageView = (page: LogPage) => ({
  items: page.items,
  nextSince: encodeSince(page.next),
  truncated: page.truncated,
  complete: page.complete,
});
