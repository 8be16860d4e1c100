import { events } from '#events/index.ts';
import { logger, makeJobCostWriter } from '#matching/adapters/deps.ts';
import { recordCost } from '#matching/use-cases/record-cost.ts';
import { dispatchEvents } from '#platform/consumer.ts';
import { microUsd } from '#platform/money.ts';

const deps = { costs: makeJobCostWriter() };

/**
 * `usage.chunk_charged` (one per charged chunk) and `usage.charged` (one per record, from
 * before chunks) carry the job's cost so far: the job shows it.
 */
export const handler = dispatchEvents(logger, [events.usageChunkCharged, events.usageCharged], {
  'usage.chunk_charged': async (detail) => {
    await recordCost(detail.jobId, microUsd(detail.jobCost), deps);
  },
  'usage.charged': async (detail) => {
    await recordCost(detail.jobId, microUsd(detail.jobCost), deps);
  },
});
