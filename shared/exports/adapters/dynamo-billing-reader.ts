import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { daysOf, type Period } from '../domain/period.ts';
import type { LedgerRow, UsageRow } from '../domain/rows.ts';
import type { BillingReader } from '../ports.ts';

/**
 * Billing's read-only port for exports (ARCHITECTURE.md), granted read-only in IAM. It reads
 * the items billing documents as a contract for exports (shared/billing/adapters/items.ts):
 * - `CHARGE#<usageRecordId>` items, listed in the `byType` index under
 *   `gsi1pk = CHARGES#<yyyy-mm-dd>`, `gsi1sk = <chargedAt>#<usageRecordId>`;
 * - ledger entry items, listed under `gsi1pk = LEDGER#<yyyy-mm-dd>`, `gsi1sk = <postedAt>#<entryId>`.
 * A period is one key range per UTC day it touches: `gsi1sk BETWEEN <from> AND <to>` keeps
 * `from` itself and leaves `to` out (every sort key is `<time>#<id>`, which sorts after its time).
 */
const CHARGE_ATTRIBUTES = [
  'usageRecordId', 'jobId', 'assignmentId', 'renterId', 'providerId', 'hostId', 'gpuModel', 'from', 'to',
  'gpuSeconds', 'pricePerGpuHour', 'amount', 'providerAmount', 'fee', 'chargedAt', 'txnId',
] as const;
const ENTRY_ATTRIBUTES = ['txnId', 'entryId', 'postedAt', 'accountId', 'kind', 'amount', 'reference'] as const;

const projection = (attributes: readonly string[]) => ({
  ProjectionExpression: attributes.map((_, index) => `#a${index}`).join(', '),
  names: Object.fromEntries(attributes.map((name, index) => [`#a${index}`, name])),
});

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const whole = (value: unknown): number => (typeof value === 'number' ? value : 0);

export const toUsageRow = (item: Record<string, unknown>): UsageRow => ({
  usageRecordId: item.usageRecordId as string,
  jobId: item.jobId as string,
  assignmentId: item.assignmentId as string,
  renterId: item.renterId as string,
  providerId: item.providerId as string,
  hostId: item.hostId as string,
  gpuModel: text(item.gpuModel),
  from: text(item.from),
  to: text(item.to),
  gpuSeconds: whole(item.gpuSeconds),
  pricePerGpuHour: whole(item.pricePerGpuHour),
  amount: whole(item.amount),
  providerAmount: whole(item.providerAmount),
  fee: whole(item.fee),
  chargedAt: item.chargedAt as string,
  transactionId: text(item.txnId),
});

export const toLedgerRow = (item: Record<string, unknown>): LedgerRow => ({
  transactionId: item.txnId as string,
  entryId: item.entryId as string,
  postedAt: item.postedAt as string,
  accountId: item.accountId as string,
  kind: item.kind as string,
  amount: whole(item.amount),
  reference: text(item.reference),
});

export class DynamoBillingReader implements BillingReader {
  constructor(
    private readonly billingTable: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  usageCharges(period: Period): AsyncIterable<readonly UsageRow[]> {
    return this.byDay('CHARGES', period, CHARGE_ATTRIBUTES, toUsageRow);
  }

  ledgerEntries(period: Period): AsyncIterable<readonly LedgerRow[]> {
    return this.byDay('LEDGER', period, ENTRY_ATTRIBUTES, toLedgerRow);
  }

  private async *byDay<R>(prefix: string, period: Period, attributes: readonly string[], toRow: (item: Record<string, unknown>) => R): AsyncGenerator<readonly R[]> {
    const { ProjectionExpression, names } = projection(attributes);
    for (const day of daysOf(period)) {
      const input = {
        TableName: this.billingTable,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ProjectionExpression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':pk': `${prefix}#${day}`, ':from': period.from, ':to': period.to },
      };
      yield* this.pages(input, toRow);
    }
  }

  /** Query pages in order, the next one already on its way while the caller works on this one. */
  private async *pages<R>(input: ConstructorParameters<typeof QueryCommand>[0], toRow: (item: Record<string, unknown>) => R): AsyncGenerator<readonly R[]> {
    const send = (startKey?: Record<string, unknown>): Promise<QueryCommandOutput> => {
      const request = this.documents.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      // Awaited below; this only keeps a read the caller no longer wants from being an unhandled rejection.
      request.catch(() => undefined);
      return request;
    };
    let pending: Promise<QueryCommandOutput> | undefined = send();
    while (pending) {
      const page: QueryCommandOutput = await pending;
      pending = page.LastEvaluatedKey ? send(page.LastEvaluatedKey) : undefined;
      yield (page.Items ?? []).map(toRow);
    }
  }
}
