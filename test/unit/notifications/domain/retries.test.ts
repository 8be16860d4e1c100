import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_SETTINGS, afterAttempt, retryDelaySeconds, retrySchedule } from '#notifications/domain/retries.ts';

describe('webhook retry backoff', () => {
  it('waits 30 s, then doubles each time, capped at SQS\'s 15 minutes (default schedule)', () => {
    expect(retrySchedule(DEFAULT_DELIVERY_SETTINGS)).toEqual([30, 60, 120, 240, 480, 900, 900]);
  });

  it('has one wait fewer than attempts', () => {
    expect(retrySchedule({ maxAttempts: 3, retryBaseSeconds: 1 })).toEqual([1, 2]);
  });

  it('never waits longer than 900 s however late the attempt', () => {
    expect(retryDelaySeconds(40, 30)).toBe(900);
  });

  it.each([
    [1, { ok: true as const, statusCode: 200 }, 'delivered'],
    [1, { ok: false as const, statusCode: 500, error: 'HTTP 500' }, 'retry'],
    [7, { ok: false as const, error: 'timeout' }, 'retry'],
    [8, { ok: false as const, statusCode: 410, error: 'HTTP 410' }, 'failed'],
    [8, { ok: true as const, statusCode: 204 }, 'delivered'],
  ])('after attempt %i with %o of 8: %s', (attempt, result, expected) => {
    expect(afterAttempt(attempt, result, 8)).toBe(expected);
  });
});
