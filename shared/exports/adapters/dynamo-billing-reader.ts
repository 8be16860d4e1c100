import { BatchGetCommand, type QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryPagesAhead } from '#platform/dynamo.ts';
import type { Period } from '../domain/period.ts';
import type { LedgerRow, PayoutRow, UsageRow } from '../domain/rows.ts';
import type { BillingReader } from '../ports.ts';
import { toLedgerRow, toPayoutIdOf, toPayoutRow, toUsageRows } from './codecs.ts';

/**
 * Billing's read-only port for exports (ARCHITECTURE.md), granted read-only in IAM. It reads
 * the items billing documents as a contract for exports (shared/billing/adapters/items.ts):
 * - `CHARGE#<usageRecordId>` items (one record each) and `CHUNK#<chunkId>` items (a chunk of
 *   records charged in one transaction, a line per record), listed in the `byType` index under
 *   `gsi1pk = CHARGES#<yyyy-mm-dd>`, `gsi1sk = <chargedAt>#<usageRecordId or chunkId>`; a chunk
 *   is expanded into one row per line, so files still list every record;
 * - ledger entry items, listed under `gsi1pk = LEDGER#<yyyy-mm-dd>`, `gsi1sk = <postedAt>#<entryId>`.
 * - `PAYOUTLOG` / `<createdAt>#<payoutId>` pointers to `PAYOUT#<payoutId>` items, every payout by
 *   the time it was made.
 * A period is key ranges within the UTC days it touches: `gsi1sk BETWEEN <from> AND <to>` keeps
 * `from` itself and leaves `to` out (every sort key is `<time>#<id>`, which sorts after its time).
 */
const CHARGE_ATTRIBUTES = [
  'usageRecordId', 'jobId', 'assignmentId', 'renterId', 'providerId', 'hostId', 'gpuModel', 'from', 'to',
  'gpuSeconds', 'pricePerGpuHour', 'amount', 'providerAmount', 'fee', 'chargedAt', 'txnId', 'chunkId', 'lines',
] as const;
const ENTRY_ATTRIBUTES = ['txnId', 'entryId', 'postedAt', 'accountId', 'kind', 'amount', 'reference'] as const;

const projection = (attributes: readonly string[]) => ({
  ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
  names: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
});

type QueryInput = ConstructorParameters<typeof QueryCommand>[0];

const HOUR_MS = 3_600_000;

/**
 * The period cut at each whole UTC hour: one query per hour instead of one per day. A slice
 * `[a, b)` is `BETWEEN a AND b`, since keys are `<time>#<id>`: a row at `b` itself sorts after
 * `b` and falls in the next slice. Shorter queries page in constant time on DynamoDB Local
 * (whose paging slows down with the depth of a long query) and cost nothing extra on AWS.
 */
export const sliceByHour = (period: Period): Period[] => {
  const slices: Period[] = [];
  for (let start = Date.parse(period.from); start < Date.parse(period.to); ) {
    const end = Math.min(Date.parse(period.to), (Math.floor(start / HOUR_MS) + 1) * HOUR_MS);
    slices.push({ from: new Date(start).toISOString(), to: new Date(end).toISOString() });
    start = end;
  }
  return slices;
};

const PAYOUT_ATTRIBUTES = ['payoutId', 'batchId', 'providerId', 'method', 'amount', 'status', 'reference', 'failureReason', 'createdAt', 'settledAt', 'txnId'] as const;

export class DynamoBillingReader implements BillingReader {
  constructor(
    private readonly billingTable: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  usageCharges(period: Period): AsyncIterable<readonly UsageRow[]> {
    return this.byDay('CHARGES', period, CHARGE_ATTRIBUTES, toUsageRows);
  }

  ledgerEntries(period: Period): AsyncIterable<readonly LedgerRow[]> {
    return this.byDay('LEDGER', period, ENTRY_ATTRIBUTES, toLedgerRow);
  }

  /** The period's pointers in time order, each page's payouts read whole (BatchGet, in the pointers' order). */
  async *payouts(period: Period): AsyncGenerator<readonly PayoutRow[]> {
    const { ProjectionExpression, names } = projection(PAYOUT_ATTRIBUTES);
    const input: QueryInput = {
      TableName: this.billingTable,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'PAYOUTLOG', ':from': period.from, ':to': period.to },
    };
    for await (const pointers of this.pages([input], toPayoutIdOf)) {
      if (pointers.length === 0) continue;
      const found = new Map<string, PayoutRow>();
      for (let start = 0; start < pointers.length; start += 100) {
        let keys: Record<string, unknown>[] = pointers.slice(start, start + 100).map((payoutId) => ({ pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT' }));
        while (keys.length > 0) {
          const answer = await this.documents.send(
            new BatchGetCommand({ RequestItems: { [this.billingTable]: { Keys: keys, ProjectionExpression, ExpressionAttributeNames: names, ConsistentRead: true } } }),
          );
          for (const item of answer.Responses?.[this.billingTable] ?? []) {
            const row = toPayoutRow(item);
            found.set(row.payoutId, row);
          };
          keys = (answer.UnprocessedKeys?.[this.billingTable]?.Keys ?? []) as Record<string, unknown>[];
        }
      }
      yield pointers.flatMap((payoutId) => found.get(payoutId) ?? []);
    }
  }

  private byDay<R>(prefix: string, period: Period, attributes: readonly string[], toRow: (item: Record<string, unknown>) => R | R[]): AsyncGenerator<readonly R[]> {
    const { ProjectionExpression, names } = projection(attributes);
    const inputs = sliceByHour(period).map((slice) => ({
      TableName: this.billingTable,
      IndexName: 'byType',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
      ProjectionExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':pk': `${prefix}#${slice.from.slice(0, 10)}`, ':from': slice.from, ':to': slice.to },
    }));
    return this.pages(inputs, toRow);
  }

  /** The queries' pages in order, the next page (of this query or the next) already on its way while the caller works on this one. */
  private async *pages<R>(inputs: readonly QueryInput[], toRow: (item: Record<string, unknown>) => R | R[]): AsyncGenerator<readonly R[]> {
    for await (const page of queryPagesAhead(this.documents, inputs)) yield (page.Items ?? []).flatMap(toRow);
  }
}
