import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { usageReceiptView } from '#metering/http/mappers.ts';
import { RecordUsageInput } from '#metering/http/schemas.ts';
import { recordUsage } from '#metering/use-cases/record-usage.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = makeMeteringDeps();

/** Agent: 202 only once every record is stored; a resent record answers as a duplicate. */
export const handler = httpRoute(logger, { body: RecordUsageInput }, async ({ principal, body }) => {
  const { hostId } = agentOf(principal);
  logger.appendKeys({ hostId });
  const receipt = usageReceiptView(await recordUsage(hostId, body.records, deps));
  const clipped = receipt.records.filter((record) => 'clipped' in record && record.status === 'accepted');
  logger.info('usage received', {
    records: body.records.length,
    accepted: receipt.accepted,
    clipped: clipped.length,
    duplicates: receipt.duplicates,
    pending: receipt.pending,
    rejected: receipt.rejected.length,
  });
  if (receipt.rejected.length > 0 || clipped.length > 0) {
    logger.warn('usage outside what the platform can vouch for', { rejected: receipt.rejected, clipped });
  }
  return json(202, receipt);
});
