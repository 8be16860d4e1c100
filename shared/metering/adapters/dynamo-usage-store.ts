import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, type TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import type { Outbox } from '#platform/outbox.ts';
import { backoffDelay, realSleep } from '#platform/retry-on-conflict.ts';
import type { Lease } from '../domain/lease.ts';
import { recordKey, type RecordKey, type StoredUsage, type UsagePlan, type UsageState, type UsageStore, type UsageSummary } from '../ports.ts';
import { toLease, toStoredUsage, toSummary } from './codecs.ts';
import { PENDING_PREFIX, PENDING_SHARDS, hourKey, leaseKey, leasePk, pendingKey, pendingShardOf, pendingShardPk, summaryKey, usageKey } from './items.ts';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
type Item = Record<string, unknown>;

const BATCH_GET_MAX = 100;
/** DynamoDB's limit on the items of one TransactWriteItems. */
const MAX_TRANSACT_ITEMS = 100;

/** Items one `commit` writes: a pending record also writes (or deletes) its pointer; each event is one outbox item. */
export const commitItems = (plan: UsagePlan): number =>
  plan.records.reduce((sum, record) => sum + (record.previous === 'pending' || record.status === 'pending' ? 2 : 1), 0) +
  plan.summaries.length + plan.hours.length + plan.events.length;

/** Cancelled by a failed condition or a concurrent transaction: someone else wrote first. */
const isConflict = (error: unknown): boolean =>
  (error as { name?: string }).name === 'TransactionConflictException' ||
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict'));

export class DynamoUsageStore implements UsageStore {
  readonly maxItemsPerCommit = MAX_TRANSACT_ITEMS;

  itemsOf(plan: UsagePlan): number {
    return commitItems(plan);
  }

  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  /** One BatchGetItem per 100 keys, in parallel, consistent; unprocessed keys are asked again. */
  async load(assignmentIds: readonly string[], keys: readonly RecordKey[]): Promise<UsageState> {
    const wanted = [
      ...assignmentIds.flatMap((assignmentId) => [leaseKey(assignmentId), summaryKey(assignmentId)]),
      ...keys.map((key) => usageKey(key.assignmentId, key.eventId, key.hostId)),
    ];
    const batches: Item[][] = [];
    for (let start = 0; start < wanted.length; start += BATCH_GET_MAX) batches.push(wanted.slice(start, start + BATCH_GET_MAX));
    const items = (await Promise.all(batches.map((batch) => this.getAll(batch)))).flat();
    const leases = new Map<string, Lease>();
    const summaries = new Map<string, UsageSummary>();
    const stored = new Map<string, StoredUsage>();
    for (const item of items) {
      if (item.sk === 'LEASE') {
        const lease = toLease(item);
        leases.set(lease.assignmentId, lease);
      } else if (item.sk === 'SUMMARY') {
        const summary = toSummary(item);
        summaries.set(summary.assignmentId, summary);
      } else {
        const usage = toStoredUsage(item);
        stored.set(recordKey(usage), usage);
      }
    }
    return { leases, summaries, stored };
  }

  private async getAll(keys: Item[]): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Item[] = keys;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await realSleep(backoffDelay(attempt, 20, 1000, Math.random));
      const { Responses, UnprocessedKeys } = await this.documents.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      found.push(...(Responses?.[this.tableName] ?? []));
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  async pending(assignmentId: string, limit: number): Promise<readonly StoredUsage[]> {
    const { Items = [] } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': leasePk(assignmentId), ':prefix': PENDING_PREFIX },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Items.map((item) => ({ ...toStoredUsage(item), status: 'pending' as const }));
  }

  async stalePending(receivedBefore: string, limit: number): Promise<readonly StoredUsage[]> {
    const pages = await Promise.all(
      Array.from({ length: PENDING_SHARDS }, (_, shard) =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'byType',
            KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk < :before',
            ExpressionAttributeValues: { ':pk': pendingShardPk(shard), ':before': receivedBefore },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages.flatMap((page) => (page.Items ?? []).map((item) => ({ ...toStoredUsage(item), status: 'pending' as const })));
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    await this.outbox.publishCommitted(events);
  }

  async commit(plan: UsagePlan, options: { readonly publish?: boolean } = {}): Promise<'committed' | 'conflict'> {
    if (plan.records.length === 0 && plan.summaries.length === 0) return 'committed';
    const items: TransactItem[] = [
      ...plan.records.flatMap((record): TransactItem[] => {
        const { previous, ...usage } = record;
        const key = usageKey(usage.assignmentId, usage.eventId, usage.hostId);
        const pointer = pendingKey(usage.assignmentId, usage.eventId, usage.hostId);
        if (previous === 'pending') {
          return [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...key, ...usage },
                ConditionExpression: '#status = :pending',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':pending': 'pending' },
              },
            },
            { Delete: { TableName: this.tableName, Key: pointer } },
          ];
        }
        const put: TransactItem = { Put: { TableName: this.tableName, Item: { ...key, ...usage }, ConditionExpression: 'attribute_not_exists(pk)' } };
        if (usage.status !== 'pending') return [put];
        return [
          put,
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...pointer,
                ...usage,
                gsi1pk: pendingShardPk(pendingShardOf(usage.assignmentId)),
                gsi1sk: `${usage.receivedAt}#${usage.assignmentId}#${usage.eventId}#${usage.hostId}`,
              },
            },
          },
        ];
      }),
      ...plan.summaries.map(({ beforeVersion, after }): TransactItem => ({
        Put: {
          TableName: this.tableName,
          Item: { ...summaryKey(after.assignmentId), ...after, coverage: after.coverage.map((segment) => [segment.from, segment.to]) },
          ...(beforeVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': beforeVersion } }),
        },
      })),
      ...plan.hours.map((hour): TransactItem => ({
        Update: {
          TableName: this.tableName,
          Key: hourKey(hour.assignmentId, hour.hour),
          UpdateExpression: 'SET assignmentId = :assignmentId, #hour = :hour ADD gpuMs :gpuMs, records :records, utilizationGpuMs :utilization, weighedGpuMs :weighed',
          ExpressionAttributeNames: { '#hour': 'hour' },
          ExpressionAttributeValues: {
            ':assignmentId': hour.assignmentId, ':hour': hour.hour, ':gpuMs': hour.gpuMs, ':records': hour.records,
            ':utilization': hour.utilizationGpuMs, ':weighed': hour.weighedGpuMs,
          },
        },
      })),
    ];
    try {
      await this.outbox.write(items, plan.events);
    } catch (error) {
      if (isConflict(error)) return 'conflict';
      throw error;
    }
    if (options.publish !== false) await this.publish(plan.events);
    return 'committed';
  }
}
