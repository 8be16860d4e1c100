import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { fundsHeld, fundsRefused } from '#matching/use-cases/funds.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

/** `funds.held` makes a job placeable (and tries it); `funds.refused` fails it. */
export const handler = eventConsumer(logger, [events.fundsHeld, events.fundsRefused], async ({ definition, detail }) => {
  logger.appendKeys({ jobId: detail.jobId });
  if (definition === events.fundsHeld) await fundsHeld(detail.jobId, deps);
  else await fundsRefused(detail.jobId, events.fundsRefused.schema.parse(detail).available, deps);
});
