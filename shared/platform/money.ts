import { z } from 'zod';
import { usdAmount } from '#contract/money.ts';

/** Integer micro-USD: the only money type inside the system. */
export type MicroUsd = number & { readonly __brand: 'MicroUsd' };

const MICRO = 1_000_000;
const decimal = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

export const microUsd = (value: number): MicroUsd => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number of micro-USD`);
  return value as MicroUsd;
};

/** "0.45" or "0.450000" -> 450000, exactly; undefined when it is not such a string. */
export const parseUsd = (text: string): MicroUsd | undefined => {
  const match = decimal.exec(text.trim());
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  return microUsd(Number(whole) * MICRO + Number(fraction.padEnd(6, '0')));
};

/** 450000 -> "0.450000", as the API shows money. */
export const formatUsd = (amount: MicroUsd): string => {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / MICRO)}.${String(abs % MICRO).padStart(6, '0')}`;
};

/**
 * A USD amount in a request: a decimal string ("0.45") or a JSON number (0.45), read
 * through its decimal text so that 0.45 never becomes 449999 µUSD. The wire shape is the
 * contract's `usdAmount`, which clients type their bodies with.
 */
export const usdField = usdAmount
  .transform((value, ctx) => {
    const parsed = parseUsd(typeof value === 'number' ? String(value) : value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a USD amount with at most 6 decimals, such as "0.450000"' });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: 'USD: a decimal string with at most 6 decimals, or a JSON number', examples: ['0.450000'] });

/** A USD amount in a response lives with the wire contract, which the CLI shares. */
export { usdText } from '#contract/money.ts';
