import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toBatch, toCursor, toHold, toLowRunwayMarker, toMethod, toPayout, toPayoutRef, toRenewableHold } from '#billing/adapters/codecs.ts';

const holdItem = { pk: 'HOLD#j1', sk: 'HOLD', jobId: 'j1', accountId: 'a1', amount: 5_000_000, status: 'held', createdAt: '2026-01-01T00:00:00.000Z', gsi1pk: 'ACTIVEHOLDS#a1' };
const payoutItem = {
  payoutId: 'po1', batchId: 'b1', providerId: 'p1', amount: 10, method: { kind: 'bank' }, status: 'paid', settledBefore: 's', createdAt: 'c', txnId: 't1', version: 2,
};

describe('billing item codecs', () => {
  it('read a hold, keeping only the optional attributes it has', () => {
    expect(toHold(holdItem)).toEqual({ jobId: 'j1', accountId: 'a1', amount: 5_000_000, status: 'held', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(toHold({ ...holdItem, heldTotal: 7, marginSeconds: 0, exhaustedAt: 'x' })).toEqual({
      jobId: 'j1', accountId: 'a1', amount: 5_000_000, status: 'held', createdAt: '2026-01-01T00:00:00.000Z', heldTotal: 7, marginSeconds: 0, exhaustedAt: 'x',
    });
  });

  it('read a low-runway marker, an absent job list as none', () => {
    expect(toLowRunwayMarker({ accountId: 'a1', state: 'low', version: 1, at: 'x' })).toEqual({ accountId: 'a1', state: 'low', jobIds: [], version: 1, at: 'x' });
  });

  it('read a payout with its transaction ids under their domain names', () => {
    expect(toPayout(payoutItem)).toMatchObject({ payoutId: 'po1', transactionId: 't1', settlementTransactionId: null, reference: null });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toHold({ ...holdItem, amount: 1.5 })).toThrow(MalformedItemError);
    expect(() => toHold({ ...holdItem, amount: 1.5 })).toThrow(/stored hold item .*amount/s);
    expect(() => toHold({ ...holdItem, status: 'lost' })).toThrow(/stored hold item .*status/s);
    expect(() => toRenewableHold({ jobId: 'j1' })).toThrow(/stored hold renewal pointer item .*accountId/s);
    expect(() => toLowRunwayMarker({ accountId: 'a1', state: 'low', jobIds: [1], version: 1, at: 'x' })).toThrow(/stored low-runway marker item .*jobIds/s);
    expect(() => toPayout({ ...payoutItem, txnId: undefined })).toThrow(/stored payout item .*txnId/s);
    expect(() => toMethod({ providerId: 'p1', updatedAt: 'u' })).toThrow(/stored payout method item .*method/s);
    expect(() => toPayoutRef({})).toThrow(/stored payout reference item .*payoutId/s);
    expect(() => toCursor({ version: '1' })).toThrow(/stored payout cursor item .*version/s);
    expect(() => toBatch({ batchId: 'b1', requestedBy: 'r', createdAt: 'c' })).toThrow(/stored payout batch item .*settledBefore/s);
  });
});
