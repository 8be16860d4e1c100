import type { FieldIssue } from '#platform/errors.ts';

/**
 * The period of an export: `from` inclusive, `to` exclusive, both normalised to the UTC form
 * the billing indexes sort by (`2025-03-10T00:00:00.000Z`), so a period is a key range.
 */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/** Times outside these bounds would not keep the 24-character ISO form the key ranges rely on. */
const EARLIEST = '2000-01-01T00:00:00.000Z';
const LATEST = '2100-01-01T00:00:00.000Z';
const DAY_MS = 86_400_000;

/** The default bound on one export's span; `EXPORT_MAX_PERIOD_DAYS` changes it. */
export const DEFAULT_MAX_PERIOD_DAYS = 366;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_MESSAGE = 'must be an ISO-8601 UTC time such as "2025-03-10T00:00:00Z" (or with an offset), or a date such as "2025-03-10" (its midnight UTC)';

/** An ISO-8601 time with any offset, or a date (its midnight UTC), as a UTC ISO string; undefined when it is neither. */
export const parseInstant = (text: string): string | undefined => {
  if (!ISO_TIME.test(text) && !ISO_DATE.test(text)) return undefined;
  // `new Date` rolls 2025-02-30 over to March: a calendar date that does not exist is refused.
  const day = new Date(`${text.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text.slice(0, 10)) return undefined;
  const at = new Date(ISO_DATE.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
};

/** One end of a period, checked and normalised to UTC; or why it is not one. */
export const readInstant = (value: unknown): { readonly at: string } | { readonly message: string } => {
  if (value === undefined || value === null || value === '') return { message: 'is required' };
  const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
  if (parsed === undefined) return { message: TIME_MESSAGE };
  if (parsed < EARLIEST || parsed > LATEST) return { message: 'must lie between 2000-01-01 and 2100-01-01' };
  return { at: parsed };
};

/** The checks across both ends: `to` after `from`, at most `maxDays` apart; the issue names `to`. */
export const checkSpan = (from: string, to: string, maxDays: number = DEFAULT_MAX_PERIOD_DAYS): FieldIssue | undefined => {
  if (to <= from) return { field: 'to', message: 'must be after from' };
  if (Date.parse(to) - Date.parse(from) > maxDays * DAY_MS) return { field: 'to', message: `must be at most ${maxDays} days after from` };
  return undefined;
};

/**
 * Checks and normalises a requested period: both ends are times, `to` is after `from`, the
 * span is at most `maxDays`, and both lie between 2000 and 2100. Returns the period, or one
 * issue per bad field (named `from` or `to`).
 */
export const checkPeriod = (
  input: { readonly from: unknown; readonly to: unknown },
  maxDays: number = DEFAULT_MAX_PERIOD_DAYS,
): { readonly period: Period } | { readonly issues: FieldIssue[] } => {
  const from = readInstant(input.from);
  const to = readInstant(input.to);
  const issues: FieldIssue[] = [
    ...('message' in from ? [{ field: 'from', message: from.message }] : []),
    ...('message' in to ? [{ field: 'to', message: to.message }] : []),
  ];
  if ('message' in from || 'message' in to) return { issues };
  const span = checkSpan(from.at, to.at, maxDays);
  return span ? { issues: [span] } : { period: { from: from.at, to: to.at } };
};

/** A whole UTC day as a period: `2025-03-10` -> [2025-03-10T00:00Z, 2025-03-11T00:00Z). */
export const dayPeriod = (day: string): Period => {
  const from = `${day}T00:00:00.000Z`;
  return { from, to: new Date(Date.parse(from) + DAY_MS).toISOString() };
};

/** The UTC day before `at`. */
export const dayBefore = (at: Date): string => new Date(Date.parse(`${at.toISOString().slice(0, 10)}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
