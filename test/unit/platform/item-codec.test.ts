import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MalformedItemError, absentAsNull, itemDecoder, storedMicroUsd } from '#platform/item-codec.ts';

const toThing = itemDecoder('thing', z.object({ id: z.string(), amount: storedMicroUsd, note: absentAsNull(z.string()) }));

describe('itemDecoder', () => {
  it('reads an item into its domain shape, dropping the keys and attributes the domain does not hold', () => {
    expect(toThing({ pk: 'THING#1', sk: 'THING', id: 't1', amount: 1_500_000, gsi1pk: 'THINGS' })).toEqual({ id: 't1', amount: 1_500_000, note: null });
    expect(toThing({ id: 't2', amount: 0, note: 'kept' })).toEqual({ id: 't2', amount: 0, note: 'kept' });
  });

  it('refuses an item without its shape, naming the kind and the field', () => {
    expect(() => toThing({ id: 't3', amount: 1.5 })).toThrow(MalformedItemError);
    expect(() => toThing({ id: 't3', amount: 1.5 })).toThrow(/stored thing item .*amount/s);
    expect(() => toThing({ amount: 1 })).toThrow(/id/);
  });
});
