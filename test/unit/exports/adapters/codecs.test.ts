import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toExportClaim, toJob, toLedgerRow, toPayoutIdOf, toPayoutRow, toUsageRows } from '#exports/adapters/codecs.ts';

const charge = {
  usageRecordId: 'ur1', jobId: 'j1', assignmentId: 'as1', renterId: 'r1', providerId: 'p1', hostId: 'h1', gpuModel: 'H100',
  from: 'f', to: 't', gpuSeconds: 60, pricePerGpuHour: 900_000, amount: 15_000, providerAmount: 13_500, fee: 1_500, chargedAt: 'c', txnId: 'txn1',
};
const exportItem = {
  exportId: 'e1', kind: 'usage', format: 'csv', from: 'a', to: 'b', requestedBy: 'x', requestedAt: 'r', runId: 'run', status: 'running', fileKey: 'k',
};

describe('exports item codecs', () => {
  it('read a record charge as one row and a chunk as a row per line with the chunk facts', () => {
    expect(toUsageRows(charge)).toEqual([{ ...(({ txnId: _t, ...rest }) => rest)(charge), transactionId: 'txn1' }]);
    const { usageRecordId: _u, from: _f, to: _t, gpuSeconds: _g, amount: _a, providerAmount: _p, fee: _e, ...facts } = charge;
    const rows = toUsageRows({ ...facts, chunkId: 'ch1', lines: [{ usageRecordId: 'ur2', gpuSeconds: 30, amount: 7 }, { usageRecordId: 'ur3', from: 'f3' }] });
    expect(rows.map((row) => [row.usageRecordId, row.from, row.gpuSeconds, row.amount, row.hostId, row.transactionId])).toEqual([
      ['ur2', null, 30, 7, 'h1', 'txn1'],
      ['ur3', 'f3', 0, 0, 'h1', 'txn1'],
    ]);
  });

  it('read a free record without a transaction, an old charge without a model', () => {
    const { txnId: _t, gpuModel: _m, ...free } = charge;
    expect(toUsageRows(free)[0]).toMatchObject({ transactionId: null, gpuModel: null });
  });

  it('read ledger, payout and export items', () => {
    expect(toLedgerRow({ txnId: 't', entryId: 'e', postedAt: 'p', accountId: 'a', kind: 'usage', amount: -5 })).toEqual({
      transactionId: 't', entryId: 'e', postedAt: 'p', accountId: 'a', kind: 'usage', amount: -5, reference: null,
    });
    expect(toPayoutRow({ payoutId: 'po', batchId: 'b', providerId: 'p', method: { type: 'ach', account: 'x' }, amount: 9, status: 'paid', createdAt: 'c', txnId: 't' }))
      .toMatchObject({ rail: 'ach', transactionId: 't', settledAt: null });
    expect(toPayoutIdOf({ pk: 'PAYOUTLOG', payoutId: 'po' })).toBe('po');
    expect(toJob({ ...exportItem, pk: 'EXPORT#e1' })).toMatchObject({ exportId: 'e1', period: { from: 'a', to: 'b' }, daily: false });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toUsageRows({ ...charge, amount: '15000' })).toThrow(MalformedItemError);
    expect(() => toUsageRows({ ...charge, amount: '15000' })).toThrow(/stored charge item .*amount/s);
    expect(() => toUsageRows({ ...charge, chunkId: 'ch1', lines: [{ gpuSeconds: 1 }] })).toThrow(/stored charge chunk item .*usageRecordId/s);
    expect(() => toLedgerRow({ entryId: 'e', postedAt: 'p', accountId: 'a', kind: 'k' })).toThrow(/stored ledger entry item .*txnId/s);
    expect(() => toPayoutRow({ payoutId: 'po', batchId: 'b', providerId: 'p', status: 'paid', createdAt: 'c' })).toThrow(/stored payout item .*txnId/s);
    expect(() => toPayoutIdOf({})).toThrow(/stored payout log pointer item .*payoutId/s);
    expect(() => toJob({ ...exportItem, status: 'lost' })).toThrow(/stored export item .*status/s);
    expect(() => toExportClaim({ bodyHash: 'h' })).toThrow(/stored export idempotency key item .*exportId/s);
  });
});
