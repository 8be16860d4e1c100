import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { event as usageRecorded } from '#events/metering/usage-recorded.ts';
import { eventConsumer } from '#platform/consumer.ts';

const deps = makeBillingDeps();

/** `usage.recorded` -> charge the record, once however often it comes (`usage.charged`). */
export const handler = eventConsumer(logger, [usageRecorded], async ({ detail }) => {
  const result = await chargeUsage(detail, deps);
  logger.info('usage charged', {
    usageRecordId: detail.usageRecordId,
    jobId: detail.jobId,
    renterId: detail.renterId,
    outcome: result.outcome,
    ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
  });
});
