import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '#agent/core/backoff.ts';

describe('backoff', () => {
  const policy = { baseMs: 500, capMs: 60_000 };

  it('doubles the ceiling with each attempt', () => {
    expect([0, 1, 2, 3].map((attempt) => backoffCeiling(attempt, policy))).toEqual([500, 1000, 2000, 4000]);
  });

  it('never waits longer than the cap, however many attempts', () => {
    expect(backoffCeiling(7, policy)).toBe(60_000);
    expect(backoffCeiling(10_000, policy)).toBe(60_000);
  });

  it('spreads waits over the whole range below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.999999)).toBe(3999);
  });

  it('gives different waits to agents that failed at the same moment', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(6, policy)));

    expect(waits.size).toBeGreaterThan(40);
  });
});
