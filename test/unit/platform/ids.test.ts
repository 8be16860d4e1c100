import { describe, expect, it } from 'vitest';
import { newId, timeOfId } from '#platform/ids.ts';

describe('newId', () => {
  it('makes distinct ids with the time prefix, across refills of its random pool', () => {
    const at = new Date('2026-12-05T06:00:00.000Z');
    const ids = Array.from({ length: 1_000 }, () => newId('use', at));

    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^use_[0-9a-hjkmnp-tv-z]{22}$/);
      expect(timeOfId(id)).toEqual(at);
    }
  });

  it('spreads its random tail over the whole alphabet', () => {
    const tails = Array.from({ length: 500 }, () => newId('x').slice(12)).join('');

    expect(new Set(tails).size).toBe(32);
  });
});
