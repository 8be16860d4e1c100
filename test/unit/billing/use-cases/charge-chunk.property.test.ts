import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import type { UsageChunk } from '#billing/domain/chunk-charge.ts';
import { FUNDING_ACCOUNT, platformFeeAccounts, sumOf } from '#billing/domain/ledger.ts';
import { chargeChunk } from '#billing/use-cases/charge-chunk.ts';
import { chargeChunks } from '#billing/use-cases/charge-chunks.ts';
import { addCredits } from '#billing/use-cases/credits.ts';
import { placeHold, releaseHold } from '#billing/use-cases/holds.ts';
import type { BillingDeps } from '#billing/use-cases/deps.ts';
import { T0, at } from '#test/support/factories.ts';
import { FakeChargeStore, inMemoryBilling, type BillingState } from '../fakes.ts';

const renterId = 'acct_renter000000001';
const providerId = 'acct_provider0000001';
const USD = 1_000_000;
const JOBS = 3;

/** The chunks metering would emit: each job's records split into chunks, every record in exactly one. */
const chunkPool: fc.Arbitrary<UsageChunk[]> = fc
  .array(
    fc.record({
      job: fc.integer({ min: 1, max: JOBS }),
      price: fc.integer({ min: 0, max: 5_000_000 }),
      records: fc.array(fc.integer({ min: 0, max: 2 * 3_600_000 }).map((millis) => millis / 1000), { minLength: 1, maxLength: 6 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((drafts) =>
    drafts.map((draft, index): UsageChunk => ({
      chunkId: `uch_${index}`,
      assignmentId: `asg_${draft.job}`,
      jobId: `job_${draft.job}`,
      renterId,
      providerId,
      hostId: 'host_1',
      gpuModel: 'RTX 4090',
      pricePerGpuHour: draft.price,
      records: draft.records.map((gpuSeconds, n) => ({
        usageRecordId: `use_${index}_${n}`,
        gpuSeconds,
        from: at(T0, index * 100 + n).toISOString(),
        to: at(T0, index * 100 + n + 1).toISOString(),
      })),
    })),
  );

type Step =
  | { kind: 'credit'; usd: number }
  | { kind: 'hold'; job: number; usd: number }
  | { kind: 'release'; job: number }
  /** Deliveries handled at once (two consumers, or a redelivery racing the first): duplicates and any order. */
  | { kind: 'deliver'; chunks: number[] }
  /** A batch handled in order until the container dies after `crashAfter` of them; the whole batch comes back to a fresh container. */
  | { kind: 'restart'; chunks: number[]; crashAfter: number }
  /**
   * FIFO batches of the renter's chunks, each charged in one transaction (`chargeChunks`), racing
   * each other (two containers, or a batch redelivered while the first still runs): duplicates,
   * chunks charged already and any order within and across them.
   */
  | { kind: 'batches'; batches: number[][] };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('credit' as const), usd: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('hold' as const), job: fc.integer({ min: 1, max: JOBS }), usd: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ kind: fc.constant('release' as const), job: fc.integer({ min: 1, max: JOBS }) }),
  fc.record({ kind: fc.constant('deliver' as const), chunks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('restart' as const), chunks: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), crashAfter: fc.nat() }),
  fc.record({ kind: fc.constant('batches' as const), batches: fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 3 }) }),
);

const platformFees = (state: BillingState): number => sumOf(platformFeeAccounts().map((accountId) => state.balanceOf(accountId).balance));

describe('chargeChunk and chargeChunks over duplicate, reordered and redelivered chunks, batches, a restart mid-batch, credits, holds and releases', () => {
  it('charges every record exactly once, balances every transaction, keeps holds within the balance and charges within the holds', async () => {
    await fc.assert(
      fc.asyncProperty(chunkPool, fc.array(step, { maxLength: 30 }), async (pool, steps) => {
        const billing = inMemoryBilling(T0);
        const { state } = billing;
        /** A fresh container: new store objects over the same table. */
        const container = (): BillingDeps => ({ ...billing.deps, charges: new FakeChargeStore(state) });
        const delivered = new Set<string>();
        /** Jobs charged before any hold existed: uncapped by holds (no placement works so). */
        const chargedWithoutHold = new Set<string>();
        const charge = async (index: number, deps: BillingDeps) => {
          const chunk = pool[index % pool.length]!;
          if (!state.holds.has(chunk.jobId)) chargedWithoutHold.add(chunk.jobId);
          delivered.add(chunk.chunkId);
          await chargeChunk(chunk, deps);
        };
        for (const next of steps) {
          billing.advance(1);
          if (next.kind === 'credit') await addCredits({ accountId: renterId, amount: microUsd(next.usd * USD) }, billing.deps);
          if (next.kind === 'hold') await placeHold({ jobId: `job_${next.job}`, renterId, holdAmount: next.usd * USD }, billing.deps);
          if (next.kind === 'release') await releaseHold({ jobId: `job_${next.job}`, renterId }, billing.deps);
          if (next.kind === 'deliver') await Promise.all(next.chunks.map((index) => charge(index, container())));
          if (next.kind === 'batches') {
            await Promise.all(
              next.batches.map((batch) => {
                const chunks = batch.map((index) => pool[index % pool.length]!);
                for (const chunk of chunks) {
                  if (!state.holds.has(chunk.jobId)) chargedWithoutHold.add(chunk.jobId);
                  delivered.add(chunk.chunkId);
                }
                return chargeChunks(chunks, container());
              }),
            );
          }
          if (next.kind === 'restart') {
            const before = container();
            for (const index of next.chunks.slice(0, next.crashAfter % (next.chunks.length + 1))) await charge(index, before);
            const after = container();
            for (const index of next.chunks) await charge(index, after);
          }
        }

        const chunks = [...state.chunks.values()];
        const lines = chunks.flatMap((chunk) => chunk.lines);
        // Every record of every delivered chunk charged, and none twice.
        expect(new Set(chunks.map((chunk) => chunk.chunkId))).toEqual(delivered);
        expect(lines.map((line) => line.usageRecordId).sort()).toEqual(pool.filter((chunk) => delivered.has(chunk.chunkId)).flatMap((chunk) => chunk.records.map((record) => record.usageRecordId)).sort());
        expect(state.outbox.filter((event) => event.detailType === 'usage.chunk_charged')).toHaveLength(delivered.size);
        // Ledger transactions sum to zero, and each chunk's lines sum to its one transaction.
        for (const transaction of state.transactions.values()) expect(sumOf(transaction.entries.map((entry) => entry.amount))).toBe(0);
        for (const chunk of chunks) {
          const transaction = chunk.transactionId === null ? undefined : state.transactions.get(chunk.transactionId);
          const renterDebit = 0 - sumOf((transaction?.entries ?? []).filter((entry) => entry.accountId === renterId).map((entry) => entry.amount));
          expect(sumOf(chunk.lines.map((line) => line.amounts.renter))).toBe(renterDebit);
          expect(sumOf(chunk.lines.map((line) => line.amounts.provider))).toBe(chunk.amounts.provider);
          expect(sumOf(chunk.lines.map((line) => line.amounts.platform))).toBe(chunk.amounts.platform);
        }
        // Balances are their entries; holds never exceed the balance; the renter never goes below zero.
        for (const [accountId, balance] of state.balances) {
          expect(balance.balance).toBe(sumOf(state.entries.filter((entry) => entry.accountId === accountId).map((entry) => entry.amount)));
          expect(balance.available).toBe(balance.balance - balance.held);
        }
        const renter = state.balanceOf(renterId);
        expect(renter.balance).toBeGreaterThanOrEqual(0);
        expect(renter.available).toBeGreaterThanOrEqual(0);
        expect(renter.held).toBe(sumOf([...state.holds.values()].filter((hold) => hold.status === 'held').map((hold) => hold.amount)));
        expect(renter.held).toBeLessThanOrEqual(renter.balance);
        // Charges capped to what was held for each job; the job's total is its chunks.
        for (const [jobId, cost] of state.jobCosts) {
          const ofJob = chunks.filter((chunk) => chunk.jobId === jobId);
          expect(cost.cost).toBe(sumOf(ofJob.map((chunk) => chunk.amounts.renter)));
          expect(cost.charges).toBe(ofJob.reduce((sum, chunk) => sum + chunk.lines.length, 0));
          const hold = state.holds.get(jobId);
          if (hold?.heldTotal !== undefined && !chargedWithoutHold.has(jobId)) expect(cost.cost).toBeLessThanOrEqual(hold.heldTotal);
        }
        const charged = sumOf(lines.map((line) => line.amounts.renter));
        expect(renter.balance + state.balanceOf(FUNDING_ACCOUNT).balance + charged).toBe(0);
        expect(state.balanceOf(providerId).balance + platformFees(state)).toBe(charged);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('chargeChunks', () => {
  /** What charging left, without the ids each run draws: per chunk its lines, per job its total and hold, per account its balance. */
  const outcomeOf = (state: BillingState) => ({
    chunks: [...state.chunks.values()].map((chunk) => ({ chunkId: chunk.chunkId, lines: chunk.lines, amounts: chunk.amounts, cut: chunk.cut, fromHold: chunk.fromHold, jobCost: chunk.jobCost })).sort((a, b) => a.chunkId.localeCompare(b.chunkId)),
    jobCosts: [...state.jobCosts.values()].map(({ version: _version, ...cost }) => cost).sort((a, b) => a.jobId.localeCompare(b.jobId)),
    holds: [...state.holds.values()].map((hold) => [hold.jobId, hold.amount, hold.status]).sort(),
    balances: [...state.balances.values()].filter((balance) => balance.balance !== 0 || balance.held !== 0).sort((a, b) => a.accountId.localeCompare(b.accountId)),
  });

  it('charges a batch in one write exactly as charging its chunks one at a time would, to the µUSD, a redelivered chunk included', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunkPool,
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.record({ job: fc.integer({ min: 1, max: JOBS }), usd: fc.integer({ min: 1, max: 6 }) }), { maxLength: JOBS }),
        fc.array(fc.nat(), { maxLength: 3 }),
        fc.array(fc.nat(), { minLength: 2, maxLength: 10 }),
        async (pool, creditUsd, holds, chargedBefore, batch) => {
          const setUp = async () => {
            const billing = inMemoryBilling(T0);
            if (creditUsd > 0) await addCredits({ accountId: renterId, amount: microUsd(creditUsd * USD) }, billing.deps);
            for (const hold of holds) await placeHold({ jobId: `job_${hold.job}`, renterId, holdAmount: hold.usd * USD }, billing.deps);
            // Chunks an earlier delivery charged: the batch finds them taken.
            for (const index of chargedBefore) await chargeChunk(pool[index % pool.length]!, billing.deps);
            return billing;
          };
          const chunks = batch.map((index) => pool[index % pool.length]!);
          const oneAtATime = await setUp();
          const expected: string[] = [];
          for (const chunk of chunks) expected.push((await chargeChunk(chunk, oneAtATime.deps)).outcome);
          const together = await setUp();

          const outcomes = await chargeChunks(chunks, together.deps);

          expect(outcomes.map((outcome) => outcome.outcome)).toEqual(expected);
          expect(outcomeOf(together.state)).toEqual(outcomeOf(oneAtATime.state));
          // One write per job for the whole batch: each job's total moved one version, not one per chunk.
          for (const [jobId, cost] of together.state.jobCosts) {
            const before = (await setUp()).state.jobCosts.get(jobId)?.version ?? 0;
            expect(cost.version).toBe(before + (chunks.some((chunk) => chunk.jobId === jobId && expected[chunks.indexOf(chunk)] === 'charged') ? 1 : 0));
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
