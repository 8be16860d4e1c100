import { describe, expect, it } from 'vitest';
import { CONFLICT, backoffDelay, retryOnConflict } from '#platform/retry-on-conflict.ts';

const recorder = () => {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
};

describe('retryOnConflict', () => {
  it('returns the first result that is not a conflict, after jittered exponential waits', async () => {
    const { waits, sleep } = recorder();
    const seen: number[] = [];
    const result = await retryOnConflict(
      async (attempt) => {
        seen.push(attempt);
        return attempt < 3 ? CONFLICT : `won on ${attempt}`;
      },
      { attempts: 5, exhausted: () => new Error('busy'), baseDelayMs: 10, maxDelayMs: 1000, sleep, random: () => 0.5 },
    );
    expect(result).toBe('won on 3');
    expect(seen).toEqual([1, 2, 3]);
    expect(waits).toEqual([0.5 * 20, 0.5 * 40]);
  });

  it('returns undefined as a result, not as a conflict', async () => {
    const result = await retryOnConflict(async () => undefined, { attempts: 2, exhausted: () => new Error('busy') });
    expect(result).toBeUndefined();
  });

  it('throws the caller\'s error after the cap, without waiting after the last attempt', async () => {
    const { waits, sleep } = recorder();
    let calls = 0;
    const busy = new Error('busy');
    await expect(
      retryOnConflict(
        async () => {
          calls += 1;
          return CONFLICT;
        },
        { attempts: 4, exhausted: () => busy, baseDelayMs: 15, sleep, random: () => 1 },
      ),
    ).rejects.toBe(busy);
    expect(calls).toBe(4);
    expect(waits).toEqual([30, 60, 120]);
  });

  it('never sleeps when no base delay is given', async () => {
    const { waits, sleep } = recorder();
    await expect(retryOnConflict(async () => CONFLICT, { attempts: 3, exhausted: () => new Error('busy'), sleep })).rejects.toThrow('busy');
    expect(waits).toEqual([]);
  });

  it('retries thrown conflicts and hands the last one to `exhausted`; other errors pass at once', async () => {
    const conflict = Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });
    const isConflict = (error: unknown) => (error as Error).name === 'TransactionConflictException';
    const { sleep } = recorder();
    await expect(
      retryOnConflict(async () => Promise.reject(conflict), { attempts: 3, exhausted: (last) => last, isConflict, baseDelayMs: 15, sleep }),
    ).rejects.toBe(conflict);

    let calls = 0;
    const other = new Error('validation');
    await expect(
      retryOnConflict(
        async () => {
          calls += 1;
          throw other;
        },
        { attempts: 3, exhausted: () => new Error('busy'), isConflict, sleep },
      ),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});

describe('backoffDelay', () => {
  it('is random times an exponential ceiling, capped', () => {
    expect(backoffDelay(1, 10, 1000, () => 1)).toBe(20);
    expect(backoffDelay(3, 10, 1000, () => 0.25)).toBe(20);
    expect(backoffDelay(10, 10, 1000, () => 1)).toBe(1000);
    expect(backoffDelay(10, 10, 1000, () => 0)).toBe(0);
  });
});
