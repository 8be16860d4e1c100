import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { balanceLow, fundsExhausted, fundsHeld, fundsRefused } from '#matching/use-cases/funds.ts';
import { gpusFreed } from '#matching/use-cases/pool-nudges.ts';
import { dispatchEvents } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

/**
 * `funds.held` makes a job placeable (and tries it); `funds.refused` fails it;
 * `funds.exhausted` stops a running job (`insufficient_funds`); `balance.low` goes on the
 * timeline of each running job it names; `assignment.ended` nudges the placement groups its
 * freed GPUs serve on the `matching-pools` FIFO queue (pool-nudges.ts).
 */
export const handler = dispatchEvents(logger, [events.fundsHeld, events.fundsRefused, events.fundsExhausted, events.balanceLow, events.assignmentEnded], {
  [events.fundsHeld.DETAIL_TYPE]: async (held) => {
    logger.appendKeys({ jobId: held.jobId });
    await fundsHeld(held.jobId, deps);
  },
  [events.fundsRefused.DETAIL_TYPE]: async (refused) => {
    logger.appendKeys({ jobId: refused.jobId });
    await fundsRefused(refused.jobId, refused.available, deps);
  },
  [events.fundsExhausted.DETAIL_TYPE]: async (exhausted) => {
    logger.appendKeys({ jobId: exhausted.jobId });
    logger.info('funds exhausted: stopping the job', { available: exhausted.available, amount: exhausted.amount });
    await fundsExhausted(exhausted.jobId, exhausted.available, deps);
  },
  [events.balanceLow.DETAIL_TYPE]: async (low) => {
    logger.appendKeys({ accountId: low.accountId });
    await balanceLow(low.accountId, low.runningJobIds, { runwaySeconds: low.runwaySeconds, thresholdSeconds: low.thresholdSeconds, raisedAt: low.occurredAt }, deps);
  },
  [events.assignmentEnded.DETAIL_TYPE]: async (ended) => {
    logger.appendKeys({ jobId: ended.jobId, assignmentId: ended.assignmentId });
    await gpusFreed(ended, deps);
  },
});
