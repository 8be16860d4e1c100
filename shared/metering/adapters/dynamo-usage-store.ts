import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, QueryCommand, type TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import type { Outbox } from '#platform/outbox.ts';
import { backoffDelay, realSleep } from '#platform/retry-on-conflict.ts';
import type { Lease } from '../domain/lease.ts';
import { recordKey, type RecordKey, type StoredUsage, type UsagePlan, type UsageState, type UsageStore, type UsageSummary } from '../ports.ts';
import { fromGroupedRecord, groupedRecordValue, toLease, toStoredUsage, toSummary } from './codecs.ts';
import {
  PENDING_PREFIX, PENDING_SHARDS, RECORD_ATTRIBUTE_PREFIX, USAGE_GROUP_PREFIX, hourKey, isWholeGroup, leaseKey, leasePk, pendingKey, pendingShardOf, pendingShardPk, recordAttribute, recordPlace, summaryKey,
  usageGroupKey, usageKey,
} from './items.ts';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];
type Item = Record<string, unknown>;

const BATCH_GET_MAX = 100;
/** DynamoDB's limit on the items of one TransactWriteItems. */
const MAX_TRANSACT_ITEMS = 100;

type PlannedRecord = UsagePlan['records'][number];

/** Where a planned record's stored copy goes: an item of its own (written before record groups), or its group's item. */
const storedAlone = (record: PlannedRecord): boolean => record.previous === 'pending' && record.storedAlone === true;

/** The planned records by the record group item they are written to (items.ts); those stored alone are left out. */
const recordGroups = (plan: UsagePlan): Map<string, { readonly key: ReturnType<typeof usageGroupKey>; readonly records: PlannedRecord[] }> => {
  const groups = new Map<string, { key: ReturnType<typeof usageGroupKey>; records: PlannedRecord[] }>();
  for (const record of plan.records) {
    if (storedAlone(record)) continue;
    const key = usageGroupKey(record.assignmentId, record.eventId, record.hostId);
    const id = `${key.pk}|${key.sk}`;
    const group = groups.get(id);
    if (group) group.records.push(record);
    else groups.set(id, { key, records: [record] });
  }
  return groups;
};

/**
 * Items one `commit` writes: one per record group (and per record stored alone); a pending
 * record also writes (or deletes) its pointer; each event is one outbox item.
 */
export const commitItems = (plan: UsagePlan): number =>
  recordGroups(plan).size +
  plan.records.reduce((sum, record) => sum + (storedAlone(record) ? 1 : 0) + (record.previous === 'pending' || record.status === 'pending' ? 1 : 0), 0) +
  plan.summaries.length + plan.hours.length + plan.events.length;

/** What a stored copy holds: the record and its verdict, without the plan's and the pointer's marks. */
const storedCopy = (record: PlannedRecord): StoredUsage => {
  const { previous: _previous, storedAlone: _alone, ...usage } = record;
  return usage;
};

/** Cancelled by a failed condition or a concurrent transaction: someone else wrote first. */
const isConflict = (error: unknown): boolean =>
  (error as { name?: string }).name === 'TransactionConflictException' ||
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict'));

/** A waiting record from its pointer; one written before record groups says its stored copy is an item of its own. */
const fromPointer = (item: Item): StoredUsage => ({ ...toStoredUsage(item), status: 'pending', ...(item.grouped === true ? {} : { storedAlone: true as const }) });

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

  /**
   * One BatchGetItem per 100 keys, in parallel, consistent; unprocessed keys are asked again.
   * A record's stored copy is looked for in its record group and under its own key (where
   * records were stored before record groups).
   */
  async load(assignmentIds: readonly string[], keys: readonly RecordKey[]): Promise<UsageState> {
    const groupKeys = new Map<string, Item>();
    for (const key of keys) {
      const groupKey = usageGroupKey(key.assignmentId, key.eventId, key.hostId);
      groupKeys.set(`${groupKey.pk}|${groupKey.sk}`, groupKey);
    }
    const wanted = [
      ...assignmentIds.flatMap((assignmentId) => [leaseKey(assignmentId), summaryKey(assignmentId)]),
      ...keys.map((key) => usageKey(key.assignmentId, key.eventId, key.hostId)),
      ...groupKeys.values(),
    ];
    const batches: Item[][] = [];
    for (let start = 0; start < wanted.length; start += BATCH_GET_MAX) batches.push(wanted.slice(start, start + BATCH_GET_MAX));
    const items = (await Promise.all(batches.map((batch) => this.getAll(batch)))).flat();
    const wantedKeys = new Set(keys.map(recordKey));
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
      } else if (String(item.pk).startsWith(USAGE_GROUP_PREFIX)) {
        for (const [name, value] of Object.entries(item)) {
          if (!name.startsWith(RECORD_ATTRIBUTE_PREFIX)) continue;
          const place = recordPlace(item as { pk: unknown; sk: unknown }, name);
          if (wantedKeys.has(recordKey(place))) stored.set(recordKey(place), fromGroupedRecord(value, place));
        }
      } else {
        const usage = toStoredUsage(item);
        stored.set(recordKey(usage), usage);
      }
    }
    const keysUnseen = new Set([...summaries.values()].filter((summary) => !summary.recordGroups).map((summary) => summary.assignmentId));
    return { leases, summaries, stored, keysUnseen };
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
    return Items.map(fromPointer);
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
    return pages.flatMap((page) => (page.Items ?? []).map(fromPointer));
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    await this.outbox.publishCommitted(events);
  }

  async commit(plan: UsagePlan, options: { readonly publish?: boolean } = {}): Promise<'committed' | 'conflict'> {
    if (plan.records.length === 0 && plan.summaries.length === 0) return 'committed';
    const aloneIn = new Set(plan.records.filter(storedAlone).map((record) => record.assignmentId));
    const items: TransactItem[] = [
      ...[...recordGroups(plan).values()].map(({ key, records }): TransactItem => {
        // Every record the group can hold, none seen before: the item is absent unless one was stored.
        // One condition on the key, where DynamoDB would otherwise test and set each attribute.
        if (records.every((record) => record.previous === 'none') && isWholeGroup(records.map((record) => record.eventId))) {
          return {
            Put: {
              TableName: this.tableName,
              Item: { ...key, ...Object.fromEntries(records.map((record) => [recordAttribute(record.eventId), groupedRecordValue(storedCopy(record))])) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          };
        }
        // One attribute per record, each set only if absent (new) or still pending (judged after waiting).
        const names: Record<string, string> = {};
        const values: Record<string, unknown> = {};
        const sets: string[] = [];
        const conditions: string[] = [];
        records.forEach((record, index) => {
          names[`#r${index}`] = recordAttribute(record.eventId);
          values[`:r${index}`] = groupedRecordValue(storedCopy(record));
          sets.push(`#r${index} = :r${index}`);
          conditions.push(record.previous === 'pending' ? `#r${index}.#status = :pending` : `attribute_not_exists(#r${index})`);
        });
        if (records.some((record) => record.previous === 'pending')) {
          names['#status'] = 'status';
          values[':pending'] = 'pending';
        }
        return {
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        };
      }),
      ...plan.records.flatMap((record): TransactItem[] => {
        const usage = storedCopy(record);
        const pointer = pendingKey(usage.assignmentId, usage.eventId, usage.hostId);
        if (record.previous === 'pending') {
          if (!storedAlone(record)) return [{ Delete: { TableName: this.tableName, Key: pointer } }];
          return [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...usageKey(usage.assignmentId, usage.eventId, usage.hostId), ...usage },
                ConditionExpression: '#status = :pending',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':pending': 'pending' },
              },
            },
            { Delete: { TableName: this.tableName, Key: pointer } },
          ];
        }
        if (usage.status !== 'pending') return [];
        return [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...pointer,
                ...usage,
                grouped: true,
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
          // A summary made since record groups marks its assignment as having every record where key
          // conditions see it; not when it closes a record stored alone (waiting since before groups).
          Item: {
            ...summaryKey(after.assignmentId),
            ...after,
            coverage: after.coverage.map((segment) => [segment.from, segment.to]),
            ...(after.recordGroups || (beforeVersion === 0 && !aloneIn.has(after.assignmentId)) ? { recordGroups: true } : {}),
          },
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
