import type { z } from 'zod';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * True when a backend request schema takes the wire contract's body: the same fields
 * (renamed, added or dropped on one side only is false) and every body the contract's type
 * allows fits the backend's input type. The backend extends a contract schema to parse a
 * field further (money into micro-USD, an SSH key into its normal form), never to reshape
 * it; `type _ = Holds<ReadsContractBody<...>>` fails `tsc` when the two drift apart.
 */
export type ReadsContractBody<Backend extends z.ZodType, Contract extends z.ZodType> =
  Same<keyof z.input<Backend>, keyof z.input<Contract>> extends true ? ([z.input<Contract>] extends [z.input<Backend>] ? true : false) : false;

/** Compiles only when `Check` is true. */
export type Holds<Check extends true> = Check;
