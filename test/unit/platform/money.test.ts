import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUsd, microUsd, parseUsd, usdField } from '#platform/money.ts';

describe('parseUsd', () => {
  it('reads "0.45" as exactly 450000 micro-USD', () => {
    expect(parseUsd('0.45')).toBe(450_000);
  });

  it('reads the API form "0.450000" as exactly 450000 micro-USD', () => {
    expect(parseUsd('0.450000')).toBe(450_000);
  });

  it('reads whole dollars without a fraction', () => {
    expect(parseUsd('25')).toBe(25_000_000);
  });

  it('reads one micro-dollar', () => {
    expect(parseUsd('0.000001')).toBe(1);
  });

  it('rejects seven decimals rather than rounding them away', () => {
    expect(parseUsd('0.4500001')).toBeUndefined();
  });

  it.each(['', '-1.00', 'abc', '1.', '.5', '1e3', '1,5', '0x10', '1 000'])('rejects %j', (text) => {
    expect(parseUsd(text)).toBeUndefined();
  });
});

describe('formatUsd', () => {
  it('shows six decimals', () => {
    expect(formatUsd(microUsd(450_000))).toBe('0.450000');
  });

  it('shows zero as "0.000000"', () => {
    expect(formatUsd(microUsd(0))).toBe('0.000000');
  });

  it('shows a negative amount with a leading minus', () => {
    expect(formatUsd(microUsd(-450_000))).toBe('-0.450000');
  });

  it('shows a negative amount above one dollar with its whole part', () => {
    expect(formatUsd(microUsd(-25_000_001))).toBe('-25.000001');
  });

  it('round-trips every whole micro amount up to a billion dollars exclusive', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e15 - 1 }), (n) => {
        const text = formatUsd(microUsd(n));
        expect(text).toMatch(/^\d+\.\d{6}$/);
        expect(parseUsd(text)).toBe(n);
      }),
    );
  });

  it('formats back the text it parsed, in the six-decimal form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: 0, max: 999_999 }), (whole, fraction) => {
        const text = `${whole}.${String(fraction).padStart(6, '0')}`;
        const parsed = parseUsd(text);
        expect(parsed).toBeDefined();
        expect(formatUsd(parsed!)).toBe(text);
      }),
    );
  });
});

describe('microUsd', () => {
  it('refuses a fractional amount', () => {
    expect(() => microUsd(0.5)).toThrow(RangeError);
  });
});

describe('usdField', () => {
  it('accepts the JSON number 0.45 as exactly 450000, not 449999', () => {
    expect(usdField.parse(0.45)).toBe(450_000);
  });

  it('accepts numbers whose binary form is inexact, such as 0.29 and 1.1', () => {
    expect(usdField.parse(0.29)).toBe(290_000);
    expect(usdField.parse(1.1)).toBe(1_100_000);
  });

  it('accepts a decimal string', () => {
    expect(usdField.parse('0.450000')).toBe(450_000);
  });

  it('refuses seven decimals with a message naming the form', () => {
    const result = usdField.safeParse('0.4500001');

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('at most 6 decimals');
  });

  it('refuses a negative number', () => {
    expect(usdField.safeParse(-1).success).toBe(false);
  });

  it('refuses a boolean', () => {
    expect(usdField.safeParse(true).success).toBe(false);
  });
});
