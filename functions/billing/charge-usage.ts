import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { chargeChunks } from '#billing/use-cases/charge-chunks.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { events } from '#events/index.ts';
import { fifoDispatchEventRuns } from '#platform/consumer.ts';

const deps = makeBillingDeps();

/** Usage billed past what the job held: operators find (and can count) these by `chargeCut`. */
const warnIfCut = (cut: number | undefined, charged: number, keys: Record<string, string>) => {
  if (cut) logger.warn('usage charge cut to the job\'s holds', { chargeCut: true, ...keys, cut, charged });
};

/**
 * Read from the charges FIFO queue, one message group per renter: a renter's charges run one
 * batch at a time across every container, so they do not race each other on the renter's
 * balance; different renters run in parallel.
 * - `usage.chunk_recorded`: the run of a renter's chunks in the batch is charged together,
 *   several chunks per transaction, each record once (`usage.chunk_charged` per chunk);
 * - `usage.recorded` (one record, published before chunks) -> charged as before (`usage.charged`).
 */
export const handler = fifoDispatchEventRuns(logger, [events.usageChunkRecorded, events.usageRecorded], {
  'usage.chunk_recorded': async (chunks) => {
    const results = await chargeChunks(chunks, deps);
    chunks.forEach((chunk, index) => {
      const result = results[index];
      if (!result) return;
      logger.info('usage chunk charged', {
        chunkId: chunk.chunkId, jobId: chunk.jobId, renterId: chunk.renterId, records: chunk.records.length, outcome: result.outcome, batched: chunks.length,
        ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
      });
      if (result.outcome === 'charged') warnIfCut(result.charge.cut, result.charge.amounts.renter, { chunkId: chunk.chunkId, jobId: chunk.jobId, hostId: chunk.hostId });
    });
  },
  'usage.recorded': async (records) => {
    for (const record of records) {
      const result = await chargeUsage(record, deps);
      logger.info('usage charged', {
        usageRecordId: record.usageRecordId, jobId: record.jobId, renterId: record.renterId, outcome: result.outcome,
        ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
      });
      if (result.outcome === 'charged') warnIfCut(result.charge.cut, result.charge.amounts.renter, { usageRecordId: record.usageRecordId, jobId: record.jobId, hostId: record.hostId });
    }
  },
});
