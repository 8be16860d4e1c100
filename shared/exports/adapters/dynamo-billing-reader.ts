import type { QueryCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dayPartitions, type DayListing } from '#billing/domain/day-partitions.ts';
import { batchGetAll, queryPagesAhead } from '#platform/dynamo.ts';
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
 *   is expanded into one row per line (its `lines` JSON text, or a list of maps on older chunks,
 *   both read through billing's `chunkLinesOf`), so files still list every record;
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

const DAY_MS = 86_400_000;

/**
 * Items per page. Without a limit DynamoDB Local reads a query's whole key range for every
 * 1 MB page (2-3 s a page in a 30,000-item day here); with one, a page costs its own items.
 * On AWS it only means more, smaller pages (about 1 MB of typical rows either way).
 */
const PAGE_ITEMS = 2_000;

/** The period cut at each UTC midnight: a day's items are listed under that day's partitions. */
export const sliceByDay = (period: Period): Period[] => {
  const slices: Period[] = [];
  for (let start = Date.parse(period.from); start < Date.parse(period.to); ) {
    const end = Math.min(Date.parse(period.to), (Math.floor(start / DAY_MS) + 1) * DAY_MS);
    slices.push({ from: new Date(start).toISOString(), to: new Date(end).toISOString() });
    start = end;
  }
  return slices;
};

type Item = Record<string, unknown>;

/**
 * Merges page streams that are each in `gsi1sk` order into one stream in that order. Holds one
 * page per stream; yields what is certain to come first each time a stream needs its next page.
 */
export async function* mergeBySortKey(streams: readonly AsyncIterator<readonly Item[]>[]): AsyncGenerator<readonly Item[]> {
  const heads = streams.map((stream) => ({ stream, items: [] as readonly Item[], at: 0, done: false }));
  const refill = async (head: (typeof heads)[number]) => {
    while (!head.done && head.at >= head.items.length) {
      const next = await head.stream.next();
      if (next.done) head.done = true;
      else {
        head.items = next.value;
        head.at = 0;
      }
    }
  };
  for (;;) {
    await Promise.all(heads.map(refill));
    const live = heads.filter((head) => head.at < head.items.length);
    if (live.length === 0) return;
    const out: Item[] = [];
    // Take the smallest head until a stream runs out of its page (its next page may hold smaller keys).
    while (live.every((head) => head.at < head.items.length || head.done)) {
      let first: (typeof live)[number] | undefined;
      for (const head of live) {
        if (head.at >= head.items.length) continue;
        if (!first || String(head.items[head.at]?.gsi1sk) < String(first.items[first.at]?.gsi1sk)) first = head;
      }
      if (!first) break;
      out.push(first.items[first.at] as Item);
      first.at += 1;
    }
    yield out;
  }
}

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
      Limit: PAGE_ITEMS,
    };
    for await (const pointers of this.pages([input], toPayoutIdOf)) {
      if (pointers.length === 0) continue;
      const keys = pointers.map((payoutId) => ({ pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT' }));
      const rows = (await batchGetAll(this.documents, this.billingTable, keys, { ProjectionExpression, ExpressionAttributeNames: names, ConsistentRead: true })).map(toPayoutRow);
      const found = new Map(rows.map((row) => [row.payoutId, row]));
      yield pointers.flatMap((payoutId) => found.get(payoutId) ?? []);
    }
  }

  /** Each day's partitions (every shard, and the unsharded key of before) merged by sort key, day after day. */
  private async *byDay<R>(listing: DayListing, period: Period, attributes: readonly string[], toRow: (item: Record<string, unknown>) => R | R[]): AsyncGenerator<readonly R[]> {
    const { ProjectionExpression, names } = projection([...attributes, 'gsi1sk']);
    for (const day of sliceByDay(period)) {
      const streams = dayPartitions(listing, day.from.slice(0, 10)).map((partition) =>
        this.pages<Item>(
          [{
            TableName: this.billingTable,
            IndexName: 'byType',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
            ProjectionExpression,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':pk': partition, ':from': day.from, ':to': day.to },
            Limit: PAGE_ITEMS,
          }],
          (item) => item,
        ),
      );
      for await (const items of mergeBySortKey(streams)) yield items.flatMap(toRow);
    }
  }

  /** The queries' pages in order, the next page (of this query or the next) already on its way while the caller works on this one. */
  private async *pages<R>(inputs: readonly QueryInput[], toRow: (item: Record<string, unknown>) => R | R[]): AsyncGenerator<readonly R[]> {
    for await (const page of queryPagesAhead(this.documents, inputs)) yield (page.Items ?? []).flatMap(toRow);
  }
}
