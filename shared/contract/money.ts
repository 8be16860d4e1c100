import { z } from 'zod';

/**
 * A USD amount in a response, as the backend's `formatUsd` writes it: six decimals, in a
 * string (money is integer micro-USD inside the system and never a JSON float on the wire).
 */
export const usdText = z
  .string()
  .regex(/^-?\d+\.\d{6}$/)
  .meta({ description: 'USD as a decimal string with six decimals', examples: ['0.450000'] });
