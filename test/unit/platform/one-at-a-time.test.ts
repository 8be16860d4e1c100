import { describe, expect, it } from 'vitest';
import { oneAtATime } from '#platform/one-at-a-time.ts';

describe('oneAtATime', () => {
  it('runs work of one key one after another, other keys alongside, and goes on after a failure', async () => {
    const serial = oneAtATime();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };

    const results = await Promise.allSettled([serial('a', step('a1', 20, true)), serial('a', step('a2', 1)), serial('b', step('b1', 5))]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });
});
