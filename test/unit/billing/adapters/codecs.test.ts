import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import {
  toBatch, toCharge, toChunkCharge, toCreditReference, toCursor, toEntry, toHold, toJobCost, toLowRunwayMarker, toMethod, toPayout, toPayoutRef, toRenewableHold, toTransaction,
} from '#billing/adapters/codecs.ts';

const holdItem = { pk: 'HOLD#j1', sk: 'HOLD', jobId: 'j1', accountId: 'a1', amount: 5_000_000, status: 'held', createdAt: '2026-01-01T00:00:00.000Z', gsi1pk: 'ACTIVEHOLDS#a1' };
const payoutItem = {
  payoutId: 'po1', batchId: 'b1', providerId: 'p1', amount: 10, method: { kind: 'bank' }, status: 'paid', settledBefore: 's', createdAt: 'c', txnId: 't1', version: 2,
};

const parties = { jobId: 'j1', assignmentId: 'as1', renterId: 'r1', providerId: 'p1', hostId: 'h1', pricePerGpuHour: 2_000_000 };
const chargeItem = {
  pk: 'CHARGE#u1', sk: 'CHARGE', usageRecordId: 'u1', ...parties, gpuSeconds: 1.5,
  amount: 833, providerAmount: 750, fee: 83, fromHold: 800, txnId: 't1', chargedAt: 'c', jobCost: 900, gsi1pk: 'CHARGES#x', gsi1sk: 'y',
};
const line = { usageRecordId: 'u1', gpuSeconds: 1.5, from: 'f', to: 't', amount: 833, providerAmount: 750, fee: 83 };
const chunkItem = { pk: 'CHUNK#c1', sk: 'CHUNK', chunkId: 'c1', ...parties, gpuModel: 'H100', lines: [line], amount: 833, providerAmount: 750, fee: 83, fromHold: 0, chargedAt: 'c', jobCost: 900 };
const entryItem = { txnId: 't1', entryId: 'e1', accountId: 'a1', kind: 'credit', amount: -5, postedAt: 'p', gsi1pk: 'LEDGER#x' };

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

  it('read a record\'s charge: the split under its domain names, no cut or interval it does not have, no transaction for a free record', () => {
    const settled = { amounts: { renter: 833, provider: 750, platform: 83 }, fromHold: 800, transactionId: 't1', chargedAt: 'c', jobCost: 900 };
    expect(toCharge(chargeItem)).toEqual({ usageRecordId: 'u1', ...parties, gpuSeconds: 1.5, ...settled });
    expect(toCharge({ ...chargeItem, gpuModel: 'H100', from: 'f', to: 't', cut: 40 })).toMatchObject({ gpuModel: 'H100', from: 'f', to: 't', cut: 40 });
    expect(toCharge({ ...chargeItem, txnId: undefined, cut: 0, amount: undefined })).toEqual({
      usageRecordId: 'u1', ...parties, gpuSeconds: 1.5, ...settled, amounts: { renter: 0, provider: 750, platform: 83 }, transactionId: null,
    });
  });

  it('read a chunk\'s charge with a line per record, each with its own cut', () => {
    expect(toChunkCharge(chunkItem)).toEqual({
      chunkId: 'c1', ...parties, gpuModel: 'H100', amounts: { renter: 833, provider: 750, platform: 83 }, fromHold: 0, transactionId: null, chargedAt: 'c', jobCost: 900,
      lines: [{ usageRecordId: 'u1', gpuSeconds: 1.5, from: 'f', to: 't', amounts: { renter: 833, provider: 750, platform: 83 } }],
    });
    expect(toChunkCharge({ ...chunkItem, lines: [{ ...line, cut: 7 }], cut: 7 })).toMatchObject({ cut: 7, lines: [{ cut: 7 }] });
    expect(toChunkCharge({ ...chunkItem, lines: undefined }).lines).toEqual([]);
  });

  it('read a job\'s total, its counts and rates empty before any charge built on it', () => {
    expect(toJobCost({ jobId: 'j1', renterId: 'r1' })).toEqual({ jobId: 'j1', renterId: 'r1', cost: 0, charges: 0, version: 0, rates: {} });
    expect(toJobCost({ jobId: 'j1', renterId: 'r1', cost: 9, charges: 2, version: 2, rates: { as1: { perHour: 5, asOf: 'a', extra: 1 } }, firstUsageAt: 'f', cut: 3, updatedAt: 'u' })).toEqual({
      jobId: 'j1', renterId: 'r1', cost: 9, charges: 2, version: 2, rates: { as1: { perHour: 5, asOf: 'a' } }, firstUsageAt: 'f', cut: 3,
    });
  });

  it('read ledger entries, transactions and credit references with their transaction id under its domain name', () => {
    expect(toEntry(entryItem)).toEqual({ transactionId: 't1', entryId: 'e1', accountId: 'a1', kind: 'credit', amount: -5, reference: null, postedAt: 'p' });
    expect(toTransaction({ txnId: 't1', kind: 'usage_charge', reference: 'u1', postedAt: 'p', entries: [{ entryId: 'e1', accountId: 'a1', amount: 5 }] })).toEqual({
      transactionId: 't1', kind: 'usage_charge', reference: 'u1', postedAt: 'p', entries: [{ entryId: 'e1', accountId: 'a1', amount: 5 }],
    });
    expect(toCreditReference({ reference: 'ref', txnId: 't1', accountId: 'a1', amount: 5, createdAt: 'c' })).toEqual({ reference: 'ref', transactionId: 't1', accountId: 'a1', amount: 5 });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toCharge({ ...chargeItem, fee: 0.5 })).toThrow(/stored usage charge item .*fee/s);
    expect(() => toCharge({ ...chargeItem, chargedAt: undefined })).toThrow(/stored usage charge item .*chargedAt/s);
    expect(() => toChunkCharge({ ...chunkItem, lines: [{ ...line, from: undefined }] })).toThrow(/stored chunk charge item .*lines/s);
    expect(() => toJobCost({ jobId: 'j1', renterId: 'r1', rates: { as1: { perHour: 0.5, asOf: 'a' } } })).toThrow(/stored job cost item .*rates/s);
    expect(() => toEntry({ ...entryItem, kind: 'gift' })).toThrow(/stored ledger entry item .*kind/s);
    expect(() => toTransaction({ txnId: 't1', kind: 'credit', postedAt: 'p' })).toThrow(/stored ledger transaction item .*entries/s);
    expect(() => toCreditReference({ reference: 'ref', accountId: 'a1', amount: 5 })).toThrow(/stored credit reference item .*txnId/s);
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
