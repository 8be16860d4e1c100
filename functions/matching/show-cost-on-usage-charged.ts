import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { recordCost } from '#matching/use-cases/record-cost.ts';
import { eventConsumer } from '#platform/consumer.ts';
import { microUsd } from '#platform/money.ts';
import { oneAtATime } from '#platform/one-at-a-time.ts';

const deps = makeMatchingDeps();
// A batch often carries several charges of one job: written one after another, they do not
// race each other on the job's revision.
const perJob = oneAtATime();

/** `usage.charged` carries the job's cost so far: the job shows it. */
export const handler = eventConsumer(logger, [events.usageCharged], async ({ detail }) => {
  await perJob(detail.jobId, () => recordCost(detail.jobId, microUsd(detail.jobCost), deps));
});
