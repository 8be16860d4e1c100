/** Money arrives as decimal strings of USD with six decimals; shown with two (or more when small). */
export const usd = (amount: string | undefined | null): string => {
  if (amount === undefined || amount === null) return '—';
  const value = Number(amount);
  if (!Number.isFinite(value)) return amount;
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 6 : 2;
  return `${value < 0 ? '-' : ''}$${Math.abs(value).toFixed(digits)}`;
};

export const time = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : '—');

export const duration = (seconds: number | null | undefined): string => {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
};

export const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** UTC day (yyyy-mm-dd) of an ISO time, for per-day charts. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

/** Sums values per UTC day, days in order, filling none in between (a chart of what happened). */
export const perDay = (items: readonly { at: string; value: number }[]): { days: string[]; values: number[] } => {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(dayOf(item.at), (sums.get(dayOf(item.at)) ?? 0) + item.value);
  const days = [...sums.keys()].sort();
  return { days, values: days.map((day) => sums.get(day) ?? 0) };
};

/**
 * Control characters made visible (`\x1b`), keeping newlines and tabs: text from other parties
 * (log lines, GPU names) shows what it is and cannot drive a terminal a user pastes it into.
 */
export const visible = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
