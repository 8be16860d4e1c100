import { logger, makeBillingDeps } from '#billing/adapters/deps.ts';
import { chargeUsage } from '#billing/use-cases/charge-usage.ts';
import { event as usageRecorded } from '#events/metering/usage-recorded.ts';
import { eventConsumer } from '#platform/consumer.ts';
import { oneAtATime } from '#platform/one-at-a-time.ts';

const deps = makeBillingDeps();
// A batch's records of one renter write the same balance (and often the same job total):
// charged one after another they do not fight over those items in retries.
const perRenter = oneAtATime();

/** `usage.recorded` -> charge the record, once however often it comes (`usage.charged`). */
export const handler = eventConsumer(logger, [usageRecorded], async ({ detail }) => {
  const result = await perRenter(detail.renterId, () => chargeUsage(detail, deps));
  logger.info('usage charged', {
    usageRecordId: detail.usageRecordId,
    jobId: detail.jobId,
    renterId: detail.renterId,
    outcome: result.outcome,
    ...(result.charge ? { amount: result.charge.amounts.renter, fromHold: result.charge.fromHold, jobCost: result.charge.jobCost } : {}),
  });
  // Usage billed past what the job held: operators find (and can count) these by `chargeCut`.
  if (result.outcome === 'charged' && result.charge.cut) {
    logger.warn('usage charge cut to the job\'s holds', { chargeCut: true, usageRecordId: detail.usageRecordId, jobId: detail.jobId, hostId: detail.hostId, cut: result.charge.cut, charged: result.charge.amounts.renter });
  }
});
