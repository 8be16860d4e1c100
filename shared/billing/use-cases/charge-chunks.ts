import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { planChunkCharges, type ChunkCharge, type ChunkPlan, type UsageChunk } from '../domain/chunk-charge.ts';
import type { Hold } from '../domain/hold.ts';
import type { ChunkChargesWrite } from '../ports.ts';
import { chargeChunk, chunkChargeParts, type ChargeChunkOutcome } from './charge-chunk.ts';
import type { BillingDeps } from './deps.ts';

/**
 * Chunks per transaction: a chunk writes at most 9 items (its charge, ledger transaction and
 * 3 entries; its job's total and hold, its provider's and fee shard's balances), so 10 chunks
 * with the renter's balance and the outbox item stay within DynamoDB's 100 (92). A FIFO
 * batch brings at most 10 messages.
 */
export const MAX_CHUNKS_PER_TRANSACTION = 10;

/** As `chargeChunk`: a lost race is rare (a renter's chunks come one batch at a time); a redelivered chunk costs one more attempt. */
const MAX_ATTEMPTS = 25;

type Deps = Pick<BillingDeps, 'charges' | 'holds' | 'balances' | 'clock' | 'platformFeeBps'>;

/**
 * Charges chunks of one renter, in order, as `chargeChunk` charges each, but several in one
 * transaction (issue 14): a FIFO batch brings a renter's chunks together. Steps, per slice of
 * up to `MAX_CHUNKS_PER_TRANSACTION`: read, in one round trip, which chunks were charged
 * already (a redelivery; they are left out), the holds and totals of their jobs and the
 * renter's balance; plan every
 * chunk as if charged right after the ones before it (`planChunkCharges`); write every
 * chunk's charge and ledger transaction, each job's total and hold once, each account's
 * balance once and every `usage.chunk_charged` in one transaction, conditioned on what was
 * read. When a chunk turned out charged meanwhile, or a hold, total or the balance moved,
 * read again. Chunks of other renters, or one chunk alone, go through `chargeChunk`.
 * Emits `usage.chunk_charged` per chunk. Returns each chunk's outcome, in order.
 */
export const chargeChunks = async (chunks: readonly UsageChunk[], deps: Deps): Promise<ChargeChunkOutcome[]> => {
  const renterId = chunks[0]?.renterId;
  if (chunks.length <= 1 || chunks.some((chunk) => chunk.renterId !== renterId)) {
    const outcomes: ChargeChunkOutcome[] = [];
    for (const chunk of chunks) outcomes.push(await chargeChunk(chunk, deps));
    return outcomes;
  }
  const outcomes = new Map<string, ChargeChunkOutcome>();
  // A chunk twice in one batch (a republished event) is charged by its first copy.
  const distinct = [...new Map(chunks.map((chunk) => [chunk.chunkId, chunk])).values()];
  for (let start = 0; start < distinct.length; start += MAX_CHUNKS_PER_TRANSACTION) {
    const slice = distinct.slice(start, start + MAX_CHUNKS_PER_TRANSACTION);
    for (const [chunkId, outcome] of await chargeSlice(slice, deps)) outcomes.set(chunkId, outcome);
  }
  return chunks.map((chunk, index) => {
    const outcome = outcomes.get(chunk.chunkId) as ChargeChunkOutcome;
    const first = chunks.findIndex((other) => other.chunkId === chunk.chunkId) === index;
    return first ? outcome : { outcome: 'already_charged', ...(outcome.charge ? { charge: outcome.charge } : {}) };
  });
};

const chargeSlice = (slice: readonly UsageChunk[], deps: Deps): Promise<Map<string, ChargeChunkOutcome>> =>
  retryOnConflict<Map<string, ChargeChunkOutcome>>(
    async () => {
      const outcomes = new Map<string, ChargeChunkOutcome>();
      // Every chunk's job is read with the rest, also those of chunks that turn out charged: one round trip.
      const read = await deps.charges.readForChunks(slice.map((chunk) => chunk.chunkId), [...new Set(slice.map((chunk) => chunk.jobId))], (slice[0] as UsageChunk).renterId);
      for (const charge of read.charged) outcomes.set(charge.chunkId, { outcome: 'already_charged', charge });
      const todo = slice.filter((chunk) => !outcomes.has(chunk.chunkId));
      const [first] = todo;
      if (!first) return outcomes;
      const plan = planChunkCharges(todo, read.holds, read.jobCosts, read.balance.available, deps.platformFeeBps);
      const now = deps.clock.now();
      const written = todo.map((chunk, index) => {
        const { charge, transaction, event } = chunkChargeParts(chunk, plan.plans[index] as ChunkPlan, now);
        return { charge, ...(transaction ? { transaction } : {}), event };
      });
      const write: ChunkChargesWrite = {
        renterId: first.renterId,
        chunks: written,
        holds: [...plan.holdUse.values()],
        fromAvailable: plan.fromAvailable,
        jobCosts: [...plan.jobCosts.values()],
      };
      const result = await deps.charges.chargeChunks(write);
      if (result !== 'charged') return CONFLICT;
      for (const { charge } of written) outcomes.set(charge.chunkId, { outcome: 'charged', charge });
      return outcomes;
    },
    { attempts: MAX_ATTEMPTS, exhausted: () => new Error(`usage chunks ${slice.map((chunk) => chunk.chunkId).join(', ')}: their jobs kept changing; they will be retried`) },
  );
