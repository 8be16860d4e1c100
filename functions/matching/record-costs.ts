import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { recordCost } from '#matching/use-cases/record-cost.ts';
import { eventConsumer } from '#platform/consumer.ts';
import { microUsd } from '#platform/money.ts';

const deps = makeMatchingDeps();

/** `usage.charged` carries the job's cost so far: the job shows it. */
export const handler = eventConsumer(logger, [events.usageCharged], async ({ detail }) => {
  await recordCost(detail.jobId, microUsd(detail.jobCost), deps);
});
