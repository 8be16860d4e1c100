import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { chargeChunk } from '#billing/use-cases/charge-chunk.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { events } from '#events/index.ts';
import { fifoDispatchEvents } from '#platform/consumer.ts';

const deps = makeBillingDeps();

/** Usage billed past what the job held: operators find (and can count) these by `chargeCut`. */
const warnIfCut = (cut: number | undefined, charged: number, keys: Record<string, string>) => {
  if (cut) logger.warn('usage charge cut to the job\'s holds', { chargeCut: true, ...keys, cut, charged });
};

/**
 * Read from the charges FIFO queue, one message group per renter: a renter's charges run one
 * at a time across every container, so they do not race each other on the renter's balance.
 * - `usage.chunk_recorded` -> its records charged once, in one transaction (`usage.chunk_charged`);
 * - `usage.recorded` (one record, published before chunks) -> charged as before (`usage.charged`).
 */
export const handler = fifoDispatchEvents(logger, [events.usageChunkRecorded, events.usageRecorded], {
  'usage.chunk_recorded': async (chunk) => {
    const result = await chargeChunk(chunk, deps);
    logger.info('usage chunk charged', {
      chunkId: chunk.chunkId, jobId: chunk.jobId, renterId: chunk.renterId, records: chunk.records.length, outcome: result.outcome,
      ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
    });
    if (result.outcome === 'charged') warnIfCut(result.charge.cut, result.charge.amounts.renter, { chunkId: chunk.chunkId, jobId: chunk.jobId, hostId: chunk.hostId });
  },
  'usage.recorded': async (record) => {
    const result = await chargeUsage(record, deps);
    logger.info('usage charged', {
      usageRecordId: record.usageRecordId, jobId: record.jobId, renterId: record.renterId, outcome: result.outcome,
      ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
    });
    if (result.outcome === 'charged') warnIfCut(result.charge.cut, result.charge.amounts.renter, { usageRecordId: record.usageRecordId, jobId: record.jobId, hostId: record.hostId });
  },
});
