import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import type { ChunkRecord, UsageChunk } from '#billing/domain/chunk-charge.ts';
import { feeShardOf, platformFeeAccounts, sumOf } from '#billing/domain/ledger.ts';
import { chargeChunk } from '#billing/use-cases/charge-chunk.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { placeHold } from '#billing/use-cases/holds.ts';
import { getStatement } from '#billing/use-cases/statements.ts';
import { T0, at } from '#test/support/factories.ts';
import { FakeChargeStore, inMemoryBilling, type BillingState } from '../fakes.ts';

const renterId = 'acct_renter000000001';
const providerId = 'acct_provider0000001';
const USD = 1_000_000;

/** `count` records of `seconds` GPU-seconds each, back to back from T0. */
const records = (count: number, seconds = 60, first = 0): ChunkRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    usageRecordId: `use_${first + index}`,
    gpuSeconds: seconds,
    from: at(T0, (first + index) * seconds).toISOString(),
    to: at(T0, (first + index + 1) * seconds).toISOString(),
  }));

/** $0.90 per GPU-hour: 60 GPU-seconds cost 15,000 µUSD. */
const chunk = (overrides: Partial<UsageChunk> = {}): UsageChunk => ({
  chunkId: 'uch_1',
  assignmentId: 'asg_1',
  jobId: 'job_1',
  renterId,
  providerId,
  hostId: 'host_1',
  gpuModel: 'RTX 4090',
  pricePerGpuHour: 900_000,
  records: records(3),
  ...overrides,
});

const funded = async (usd: number, holdUsd = 0) => {
  const billing = inMemoryBilling(T0);
  if (usd > 0) await addCredits({ accountId: renterId, amount: microUsd(usd * USD) }, billing.deps);
  if (holdUsd > 0) await placeHold({ jobId: 'job_1', renterId, holdAmount: holdUsd * USD }, billing.deps);
  billing.state.outbox.length = 0;
  return billing;
};

const platformFees = (state: BillingState): number => sumOf(platformFeeAccounts().map((accountId) => state.balanceOf(accountId).balance));
const usageTransactions = (state: BillingState) => [...state.transactions.values()].filter((transaction) => transaction.kind === 'usage_charge');

describe('chargeChunk', () => {
  it('charges a chunk of records in one balanced transaction, with a line per record that sums to it', async () => {
    const { deps, state } = await funded(10);

    const result = await chargeChunk(chunk(), deps);

    expect(result.outcome).toBe('charged');
    const [transaction, ...others] = usageTransactions(state);
    expect(others).toEqual([]);
    expect(transaction?.reference).toBe('uch_1');
    expect(transaction?.entries.map(({ accountId, amount }) => [accountId, amount])).toEqual([
      [renterId, -45_000],
      [providerId, 40_500],
      [feeShardOf('uch_1'), 4_500],
    ]);
    const charge = state.chunks.get('uch_1');
    expect(charge?.lines.map((line) => [line.usageRecordId, line.amounts.renter, line.amounts.provider, line.amounts.platform])).toEqual([
      ['use_0', 15_000, 13_500, 1_500],
      ['use_1', 15_000, 13_500, 1_500],
      ['use_2', 15_000, 13_500, 1_500],
    ]);
    expect(charge).toMatchObject({ amounts: { renter: 45_000, provider: 40_500, platform: 4_500 }, transactionId: transaction?.transactionId, jobCost: 45_000 });
    expect(state.balanceOf(renterId)).toMatchObject({ balance: 9_955_000, available: 9_955_000 });
    expect(state.balanceOf(providerId).balance).toBe(40_500);
    expect(platformFees(state)).toBe(4_500);
  });

  it('announces usage.chunk_charged once per chunk with the job\'s running cost, and counts every record on the job total', async () => {
    const billing = await funded(10);

    await chargeChunk(chunk(), billing.deps);
    billing.advance(60);
    await chargeChunk(chunk({ chunkId: 'uch_2', records: records(2, 60, 3) }), billing.deps);

    expect(billing.state.outbox.map((event) => event.detailType)).toEqual(['usage.chunk_charged', 'usage.chunk_charged']);
    expect(billing.state.outbox.map((event) => event.detail)).toEqual([
      expect.objectContaining({ chunkId: 'uch_1', jobId: 'job_1', renterId, records: 3, amount: 45_000, jobCost: 45_000, chargedAt: T0.toISOString() }),
      expect.objectContaining({ chunkId: 'uch_2', records: 2, amount: 30_000, jobCost: 75_000, chargedAt: at(T0, 60).toISOString() }),
    ]);
    // One write of the total per chunk; every record counted.
    expect(billing.state.jobCosts.get('job_1')).toMatchObject({ cost: 75_000, charges: 5, version: 2 });
  });

  it('charges a chunk once however often and however late it is delivered', async () => {
    const billing = await funded(10);
    await chargeChunk(chunk(), billing.deps);
    billing.advance(86_400);

    const again = await chargeChunk(chunk(), billing.deps);
    const concurrent = await Promise.all([chargeChunk(chunk(), billing.deps), chargeChunk(chunk(), billing.deps)]);

    expect(again.outcome).toBe('already_charged');
    expect(concurrent.map((result) => result.outcome)).toEqual(['already_charged', 'already_charged']);
    expect(usageTransactions(billing.state)).toHaveLength(1);
    expect(billing.state.balanceOf(renterId).balance).toBe(10 * USD - 45_000);
  });

  it('lets only one of two concurrent first deliveries charge the chunk', async () => {
    const billing = await funded(10);

    const results = await Promise.all([chargeChunk(chunk(), billing.deps), chargeChunk(chunk(), billing.deps)]);

    expect(results.map((result) => result.outcome).sort()).toEqual(['already_charged', 'charged']);
    expect(usageTransactions(billing.state)).toHaveLength(1);
    expect(billing.state.outbox).toHaveLength(1);
  });

  it('takes the chunk out of the job\'s hold, and cuts the records past what was held, line by line (issue 13)', async () => {
    // Held $0.04: two records of $0.015 fit, the third only $0.01 of it, the fourth nothing.
    const { deps, state } = await funded(10, 0.04);

    const result = await chargeChunk(chunk({ records: records(4) }), deps);

    expect(result.outcome).toBe('charged');
    const lines = state.chunks.get('uch_1')?.lines ?? [];
    expect(lines.map((line) => [line.amounts.renter, line.cut ?? 0])).toEqual([[15_000, 0], [15_000, 0], [10_000, 5_000], [0, 15_000]]);
    expect(state.chunks.get('uch_1')).toMatchObject({ amounts: { renter: 40_000 }, cut: 20_000, fromHold: 40_000 });
    expect(state.holds.get('job_1')?.amount).toBe(0);
    expect(state.balanceOf(renterId)).toMatchObject({ balance: 10 * USD - 40_000, held: 0, available: 10 * USD - 40_000 });
    expect(state.jobCosts.get('job_1')).toMatchObject({ cost: 40_000, cut: 20_000 });
    expect(state.outbox[0]?.detail).toMatchObject({ amount: 40_000, cut: 20_000 });
  });

  it('charges exactly what charging its records one at a time would, to the µUSD', async () => {
    const odd: ChunkRecord[] = [
      { usageRecordId: 'use_a', gpuSeconds: 0.001, from: at(T0, 0).toISOString(), to: at(T0, 1).toISOString() },
      { usageRecordId: 'use_b', gpuSeconds: 37.337, from: at(T0, 1).toISOString(), to: at(T0, 40).toISOString() },
      { usageRecordId: 'use_c', gpuSeconds: 0, from: at(T0, 40).toISOString(), to: at(T0, 41).toISOString() },
      { usageRecordId: 'use_d', gpuSeconds: 3599.999, from: at(T0, 41).toISOString(), to: at(T0, 3641).toISOString() },
    ];
    const byChunk = await funded(10, 0.5);
    const byRecord = await funded(10, 0.5);

    await chargeChunk(chunk({ records: odd, pricePerGpuHour: 777_777 }), byChunk.deps);
    for (const record of odd) {
      await chargeUsage({ ...record, assignmentId: 'asg_1', jobId: 'job_1', renterId, providerId, hostId: 'host_1', pricePerGpuHour: 777_777 }, byRecord.deps);
    }

    const lines = byChunk.state.chunks.get('uch_1')?.lines ?? [];
    expect(lines.map((line) => [line.usageRecordId, line.amounts, line.cut])).toEqual(
      odd.map((record) => {
        const single = byRecord.state.charges.get(record.usageRecordId);
        return [record.usageRecordId, single?.amounts, single?.cut];
      }),
    );
    for (const accountId of [renterId, providerId]) expect(byChunk.state.balanceOf(accountId)).toEqual(byRecord.state.balanceOf(accountId));
    expect(platformFees(byChunk.state)).toBe(platformFees(byRecord.state));
    expect(byChunk.state.holds.get('job_1')).toEqual(byRecord.state.holds.get('job_1'));
    expect(byChunk.state.jobCosts.get('job_1')).toMatchObject({ cost: byRecord.state.jobCosts.get('job_1')?.cost, cut: byRecord.state.jobCosts.get('job_1')?.cut, rates: byRecord.state.jobCosts.get('job_1')?.rates });
  });

  it('records a chunk that costs nothing as charged, with no transaction', async () => {
    const { deps, state } = await funded(10);

    const result = await chargeChunk(chunk({ pricePerGpuHour: 0 }), deps);

    expect(result.outcome).toBe('charged');
    expect(state.chunks.get('uch_1')).toMatchObject({ transactionId: null, lines: expect.arrayContaining([expect.objectContaining({ usageRecordId: 'use_0' })]) });
    expect(usageTransactions(state)).toEqual([]);
    expect(await chargeChunk(chunk({ pricePerGpuHour: 0 }), deps)).toMatchObject({ outcome: 'already_charged' });
  });

  it('builds on the job\'s total another chunk wrote in between', async () => {
    const billing = await funded(10);
    class LosesOnce extends FakeChargeStore {
      private lost = false;
      override async chargeChunk(write: Parameters<FakeChargeStore['chargeChunk']>[0]) {
        if (!this.lost) {
          this.lost = true;
          await super.chargeChunk({ ...write, charge: { ...write.charge, chunkId: 'uch_other' } });
        }
        return super.chargeChunk(write);
      }
    }
    const deps = { ...billing.deps, charges: new LosesOnce(billing.state) };

    const result = await chargeChunk(chunk(), deps);

    expect(result.outcome).toBe('charged');
    expect(billing.state.jobCosts.get('job_1')).toMatchObject({ cost: 90_000, charges: 6, version: 2 });
  });

  it('lists a chunk on the renter\'s statement as every record it charged', async () => {
    const billing = await funded(10);
    await chargeChunk(chunk(), billing.deps);
    await chargeChunk(chunk({ chunkId: 'uch_2', records: records(2, 60, 3) }), billing.deps);

    const statement = await getStatement({ accountId: renterId, kind: 'renter' }, T0.toISOString().slice(0, 7), billing.deps);
    const earnings = await getStatement({ accountId: providerId, kind: 'provider' }, T0.toISOString().slice(0, 7), billing.deps);

    expect(statement.charges).toEqual([{ jobId: 'job_1', amount: 75_000, gpuMs: 300_000, records: 5 }]);
    expect(earnings.earnings).toEqual([{ hostId: 'host_1', amount: 67_500, gpuMs: 300_000, records: 5 }]);
  });
});
