import { events } from '#events/index.ts';
import type { Detail } from '#events/define.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { balanceLow, fundsExhausted, fundsHeld, fundsRefused } from '#matching/use-cases/funds.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

/**
 * `funds.held` makes a job placeable (and tries it); `funds.refused` fails it;
 * `funds.exhausted` stops a running job (`insufficient_funds`); `balance.low` goes on the
 * timeline of each running job it names.
 */
export const handler = eventConsumer(
  logger,
  [events.fundsHeld, events.fundsRefused, events.fundsExhausted, events.balanceLow],
  async ({ definition, detail }) => {
    // The consumer parsed `detail` with `definition`'s own schema, so it has that shape.
    if (definition === events.balanceLow) {
      const low = detail as Detail<typeof events.balanceLow>;
      logger.appendKeys({ accountId: low.accountId });
      await balanceLow(low.accountId, low.runningJobIds, { runwaySeconds: low.runwaySeconds, thresholdSeconds: low.thresholdSeconds, raisedAt: low.occurredAt }, deps);
      return;
    }
    const funds = detail as Detail<typeof events.fundsHeld> | Detail<typeof events.fundsRefused> | Detail<typeof events.fundsExhausted>;
    logger.appendKeys({ jobId: funds.jobId });
    if (definition === events.fundsHeld) await fundsHeld(funds.jobId, deps);
    else if (definition === events.fundsRefused) await fundsRefused(funds.jobId, (funds as Detail<typeof events.fundsRefused>).available, deps);
    else {
      const exhausted = funds as Detail<typeof events.fundsExhausted>;
      logger.info('funds exhausted: stopping the job', { available: exhausted.available, amount: exhausted.amount });
      await fundsExhausted(exhausted.jobId, exhausted.available, deps);
    }
  },
);
