import { describe, expect, it } from 'vitest';
import { checkPeriod, dayBefore, dayPeriod, parseInstant } from '#exports/domain/period.ts';

describe('checkPeriod', () => {
  it('normalises both ends to UTC with milliseconds, a date meaning its midnight', () => {
    expect(checkPeriod({ from: '2025-03-10', to: '2025-03-11T02:00:00+02:00' })).toEqual({
      period: { from: '2025-03-10T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z' },
    });
  });

  it('names `from` and `to` when they are missing', () => {
    expect(checkPeriod({ from: undefined, to: '' })).toEqual({
      issues: [
        { field: 'from', message: 'is required' },
        { field: 'to', message: 'is required' },
      ],
    });
  });

  it('names the field that is not a time', () => {
    const result = checkPeriod({ from: 'yesterday', to: '2025-03-11' });
    expect(result).toEqual({ issues: [{ field: 'from', message: expect.stringContaining('ISO-8601') }] });
  });

  it('refuses a calendar date that does not exist rather than rolling it over', () => {
    expect(parseInstant('2025-02-30')).toBeUndefined();
    expect(parseInstant('2025-02-30T10:00:00+01:00')).toBeUndefined();
    expect(parseInstant('2024-02-29')).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses numbers and times without a zone', () => {
    expect(checkPeriod({ from: 1741564800000, to: '2025-03-11T00:00:00' })).toEqual({
      issues: [
        { field: 'from', message: expect.any(String) },
        { field: 'to', message: expect.any(String) },
      ],
    });
  });

  it('requires `to` after `from`', () => {
    expect(checkPeriod({ from: '2025-03-11', to: '2025-03-11' })).toEqual({ issues: [{ field: 'to', message: 'must be after from' }] });
    expect(checkPeriod({ from: '2025-03-12', to: '2025-03-11' })).toEqual({ issues: [{ field: 'to', message: 'must be after from' }] });
  });

  it('bounds the span, and accepts it exactly at the bound', () => {
    expect(checkPeriod({ from: '2025-01-01', to: '2025-01-31' }, 30)).toHaveProperty('period');
    expect(checkPeriod({ from: '2025-01-01', to: '2025-01-31T00:00:00.001Z' }, 30)).toEqual({
      issues: [{ field: 'to', message: 'must be at most 30 days after from' }],
    });
  });

  it('keeps both ends between 2000 and 2100, where ISO times keep their 24-character form', () => {
    expect(checkPeriod({ from: '1999-12-31', to: '2000-01-02' })).toEqual({ issues: [{ field: 'from', message: expect.stringContaining('2000') }] });
  });
});

describe('days', () => {
  it('makes a whole day a period', () => {
    expect(dayPeriod('2025-03-10')).toEqual({ from: '2025-03-10T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z' });
  });

  it('finds yesterday in UTC', () => {
    expect(dayBefore(new Date('2025-03-01T00:30:00.000Z'))).toBe('2025-02-28');
  });
});
