import { z } from 'zod';
import { microUsd } from './money.ts';

/**
 * One item kind's stored shape, read back into what the domain holds: a zod schema per kind
 * instead of an `item.x as string` cast per field, so an item that does not have the shape
 * its adapter expects fails where it is read, naming the kind and the field.
 */
export const itemDecoder = <S extends z.ZodType>(kind: string, schema: S) =>
  (item: Record<string, unknown>): z.output<S> => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) throw new MalformedItemError(kind, parsed.error);
    return parsed.data;
  };

export class MalformedItemError extends Error {
  constructor(readonly kind: string, cause: z.ZodError) {
    super(`stored ${kind} item does not have its shape: ${z.prettifyError(cause)}`, { cause });
    this.name = 'MalformedItemError';
  }
}

/** An attribute that may be absent: null in the domain, as the adapters write `null` by leaving it out. */
export const absentAsNull = <S extends z.ZodType>(schema: S) => schema.nullish().transform((value) => value ?? null);

/** An integer amount of micro-USD, as every money attribute is stored. */
export const storedMicroUsd = z.number().int().transform((value) => microUsd(value));

/** A stored value kept whole (the adapter wrote it from a value of type T and never edits it). */
export const stored = <T>() => z.custom<T>((value) => value !== undefined && value !== null);

/**
 * The parsed item (a fresh object the codec owns) without the given attributes (keys, index
 * attributes): removed in place, since a rest copy of a large item costs far more than the parse.
 */
export const withoutKeys = <T extends Record<string, unknown>>(item: T, keys: readonly string[]): T => {
  for (const key of keys) delete item[key];
  return item;
};
