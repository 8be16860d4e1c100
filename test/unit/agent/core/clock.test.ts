import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isoTime, UtcIsoDate } from '#agent/core/clock.ts';

const SOURCES = join(import.meta.dirname, '../../../../agent/src');

describe('isoTime', () => {
  const instants = [
    0, 1, 999, 1000, -1, 1_764_916_834_000, 1_764_916_834_007, Date.UTC(2028, 1, 29, 23, 59, 59, 999), Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999), new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(0),
    new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(-1), new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(10_000), 8.64e15, -8.64e15,
  ];

  it('is toISOString exactly, in and outside years 0-9999', () => {
    for (const at of instants) {
      expect(isoTime(at)).toBe(new Date(at).toISOString());
      expect(isoTime(new Date(at))).toBe(new Date(at).toISOString());
    }
    for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2027, 0, 1); at += 7_777_777_777 / 1000 + 13) expect(isoTime(at)).toBe(new Date(at).toISOString());
  });

  it('throws for an invalid date, as toISOString does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(new Date('not a date'))).toThrow(RangeError);
  });

  it('formats a UtcIsoDate (what the SQS signer is handed) the same way, and as JSON', () => {
    const at = Date.UTC(2026, 11, 5, 6, 40, 34, 5);
    expect(new UtcIsoDate(at).toISOString()).toBe(new Date(at).toISOString());
    expect(JSON.stringify({ at: new UtcIsoDate(at) })).toBe(JSON.stringify({ at: new Date(at) }));
    expect(new UtcIsoDate(at)).toBeInstanceOf(Date);
  });

  it('is what the agent formats times with: no agent source calls toISOString (it loads ICU time zone data, ~1.4 MB of RSS)', () => {
    const files = readdirSync(SOURCES, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && file !== join('core', 'clock.ts'));
    expect(files.length).toBeGreaterThan(20);
    const callers = files.filter((file) => /\.toISOString\(\)/.test(readFileSync(join(SOURCES, file), 'utf8')));
    expect(callers).toEqual([]);
  });
});
