import { describe, expect, it } from 'vitest';
import { duration, progressBar, table, usd } from '#cli/format.ts';

describe('format', () => {
  it('shows USD with two decimals or as many as matter', () => {
    expect(usd('0.450000')).toBe('$0.45');
    expect(usd('12.000000')).toBe('$12.00');
    expect(usd('0.000450')).toBe('$0.00045');
    expect(usd('-0.500000')).toBe('-$0.50');
  });

  it('shows durations in their two largest units', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(65)).toBe('1m 5s');
    expect(duration(3725)).toBe('1h 2m');
    expect(duration(90000)).toBe('1d 1h');
    expect(duration(null)).toBe('-');
  });

  it('pads table columns to their widest cell', () => {
    expect(table(['A', 'LONG'], [['xyz', '1'], ['q', '22']])).toBe('A    LONG\nxyz  1\nq    22\n');
  });

  it('draws a progress bar with the share and sizes', () => {
    expect(progressBar(512, 1024, 60)).toMatch(/^\[#+\.+\]\s+50%\s+512 B \/ 1\.0 KiB$/);
    expect(progressBar(2048, undefined, 60)).toBe('2.0 KiB');
  });
});
