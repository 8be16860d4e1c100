import { z } from 'zod';

/**
 * A USD amount in a response, as the backend's `formatUsd` writes it: six decimals, in a
 * string (money is integer micro-USD inside the system and never a JSON float on the wire).
 */
export const usdText = z
  .string()
  .regex(/^-?\d+\.\d{6}$/)
  .meta({ description: 'USD as a decimal string with six decimals', examples: ['0.450000'] });

/**
 * A USD amount in a request: a decimal string ("0.45") or a JSON number (0.45). The backend
 * reads it through its decimal text into integer micro-USD (`usdField` in
 * shared/platform/money.ts, built on this), so a client's body type is `string | number`.
 */
export const usdAmount = z.union([z.string(), z.number()]);
