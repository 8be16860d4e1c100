import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import { outboxBatchPut, outboxPut, validateEvent, type Outbox } from '#platform/outbox.ts';
import { queryAll } from '#platform/dynamo.ts';
import { decodeCursor, encodeCursor, type Page } from '#platform/pagination.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import { isFinal, liveAssignments, type Job, type JobSpec } from '../domain/job.ts';
import type { TimelineEntry } from '../domain/transitions.ts';
import type { BatchCommitResult, CapacityStore, CreateResult, IdempotencyClaim, JobChange, JobStore } from '../ports.ts';

/**
 * Items of the matching table:
 * - `JOB#<id>` / `JOB`: the job with its assignments; `gsi1pk = RENTER#<id>` lists a renter's
 *   jobs; `workBucket` (`place#<shard>` while funded and queued, `active#<shard>` while anything
 *   is left to watch) lets the matcher and the sweep find work without scanning. Each is spread
 *   over `WORK_SHARDS` partitions by the job id, since every placement moves a job from one to
 *   the other: one partition key would take every placement's write (readers query them all,
 *   and the unsharded `place` and `active` of items written before);
 * - `JOB#<id>` / `EVENT#<time>#<n>`: the job's timeline;
 * - `HOST#<id>` / `CAPACITY`: matching's projection of a host and the assignments holding
 *   its GPUs; `gsi1pk = CAPACITY#<shard>` lists them all without one hot partition, and
 *   `gsi1sk = AT#<written at>#<id>` lets a matcher read only what changed since it last looked;
 * - `IDEMPOTENCY#<renter>#<key>` / `IDEMPOTENCY`: a submit's Idempotency-Key, for a day.
 */
const CAPACITY_SHARDS = 8;
export const WORK_SHARDS = 8;
const IDEMPOTENCY_SECONDS = 24 * 3600;
const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
const capacityKey = (hostId: string) => ({ pk: `HOST#${hostId}`, sk: 'CAPACITY' });
const shardOf = (hostId: string) => createHash('sha1').update(hostId).digest()[0]! % CAPACITY_SHARDS;

export const workShardOf = (jobId: string) => createHash('sha1').update(jobId).digest()[0]! % WORK_SHARDS;
/** Every partition of a work bucket, the unsharded one of older items last. */
const workBuckets = (bucket: 'place' | 'active') => [...Array.from({ length: WORK_SHARDS }, (_, shard) => `${bucket}#${shard}`), bucket];

const workBucketOf = (job: Job): string | undefined => {
  if (job.status === 'queued' && job.fundsHeld) return `place#${workShardOf(job.jobId)}`;
  if (!isFinal(job.status) || liveAssignments(job).length > 0) return `active#${workShardOf(job.jobId)}`;
  return undefined;
};

/**
 * The job's env is stored as a list of [name, value] pairs (`envPairs`), not a map: the
 * DynamoDB marshaller refuses a map key `constructor` and drops `__proto__`, and both are
 * legal variable names. Items written before keep `env` as a map, which still reads.
 */
const storedSpec = (spec: JobSpec) => {
  const { env, ...rest } = spec;
  return { ...rest, envPairs: Object.entries(env) };
};

const specOf = (stored: Record<string, unknown>): JobSpec => {
  const { envPairs, env, ...rest } = stored;
  const restored = Array.isArray(envPairs) ? Object.fromEntries(envPairs as [string, string][]) : ((env as Record<string, string> | undefined) ?? {});
  return { ...rest, env: restored } as unknown as JobSpec;
};

/** The job as stored (exported for bulk seeding in benchmarks). */
export const jobItem = (job: Job) => {
  const bucket = workBucketOf(job);
  return {
    ...jobKey(job.jobId),
    ...job,
    spec: storedSpec(job.spec),
    gsi1pk: `RENTER#${job.renterId}`,
    gsi1sk: `${job.createdAt}#${job.jobId}`,
    ...(bucket ? { workBucket: bucket, workDueAt: job.createdAt } : {}),
  };
};

const toJob = (item: Record<string, unknown>): Job => {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, workBucket: _c, workDueAt: _d, ...job } = item;
  return { ...job, spec: specOf(job.spec as Record<string, unknown>) } as unknown as Job;
};

const CHANGED_PREFIX = 'AT#';
/** A host's capacity as stored (exported for bulk seeding in benchmarks). */
export const capacityItem = (capacity: HostCapacity, writtenAt: Date) => ({
  ...capacityKey(capacity.hostId),
  ...capacity,
  gsi1pk: `CAPACITY#${shardOf(capacity.hostId)}`,
  gsi1sk: `${CHANGED_PREFIX}${writtenAt.toISOString()}#${capacity.hostId}`,
});

const toCapacity = (item: Record<string, unknown>): HostCapacity => {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, ...capacity } = item;
  return capacity as unknown as HostCapacity;
};

const timelinePuts = (tableName: string, jobId: string, entries: readonly TimelineEntry[], base: number) =>
  entries.map((entry, index) => ({
    Put: {
      TableName: tableName,
      Item: { pk: `JOB#${jobId}`, sk: `EVENT#${entry.at}#${String(base + index).padStart(4, '0')}`, ...entry },
    },
  }));

const revisionCondition = (previous: number) =>
  previous === 0
    ? { ConditionExpression: 'attribute_not_exists(pk) OR revision = :previous', ExpressionAttributeValues: { ':previous': previous } }
    : { ConditionExpression: 'revision = :previous', ExpressionAttributeValues: { ':previous': previous } };

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException' ||
  (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict'));

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
    /** Stamps capacity writes, so matchers can read only what changed. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(job: Job, timeline: readonly TimelineEntry[], events: readonly DomainEvent[], claim?: IdempotencyClaim): Promise<CreateResult> {
    const claimKey = claim ? { pk: `IDEMPOTENCY#${job.renterId}#${claim.key}`, sk: 'IDEMPOTENCY' } : undefined;
    try {
      await this.outbox.commit(
        [
          { Put: { TableName: this.tableName, Item: jobItem(job), ConditionExpression: 'attribute_not_exists(pk)' } },
          ...timelinePuts(this.tableName, job.jobId, timeline, 0),
          ...(claim && claimKey
            ? [{
                Put: {
                  TableName: this.tableName,
                  Item: { ...claimKey, jobId: job.jobId, bodyHash: claim.bodyHash, ttl: epochSeconds(addSeconds(new Date(job.createdAt), IDEMPOTENCY_SECONDS)) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              }]
            : []),
        ],
        events,
      );
      return { kind: 'created' };
    } catch (error) {
      if (!claim || !claimKey || !isConditionFailure(error)) throw error;
      const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: claimKey, ConsistentRead: true }));
      if (!Item) throw error;
      return { kind: 'replayed', jobId: Item.jobId as string, sameBody: Item.bodyHash === claim.bodyHash };
    }
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return Item ? toJob(Item) : undefined;
  }

  async listByRenter(renterId: string, query: { status?: string; limit: number; cursor?: string }): Promise<Page<Job>> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :renter',
        ...(query.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':renter': `RENTER#${renterId}`, ...(query.status ? { ':status': query.status } : {}) },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(query.cursor),
      }),
    );
    return { items: (page.Items ?? []).map(toJob), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  async timeline(jobId: string, limit: number, cursor?: string): Promise<Page<TimelineEntry>> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :job AND begins_with(sk, :event)',
        ExpressionAttributeValues: { ':job': `JOB#${jobId}`, ':event': 'EVENT#' },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    const items = (page.Items ?? []).map(({ at, type, message, data }) => ({ at, type, message, ...(data ? { data } : {}) }) as TimelineEntry);
    return { items, nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  async commit(before: Job, after: Job, hosts: readonly HostCapacity[], timeline: readonly TimelineEntry[], events: readonly DomainEvent[]): Promise<boolean> {
    events.forEach(validateEvent);
    const items = [
      { Put: { TableName: this.tableName, Item: jobItem({ ...after, revision: before.revision + 1 }), ...revisionCondition(before.revision) } },
      ...hosts.map((host) => ({ Put: { TableName: this.tableName, Item: capacityItem(host, this.now()), ...revisionCondition(host.revision - 1) } })),
      ...timelinePuts(this.tableName, after.jobId, timeline, before.revision * 100),
      ...events.map((event) => outboxPut(this.tableName, event)),
    ];
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    return true;
  }

  async commitBatch(changes: readonly JobChange[], hosts: readonly HostCapacity[]): Promise<BatchCommitResult> {
    const writtenAt = this.now();
    const owners: ({ jobId: string } | { hostId: string } | undefined)[] = [];
    const items = [];
    for (const host of hosts) {
      items.push({ Put: { TableName: this.tableName, Item: capacityItem(host, writtenAt), ...revisionCondition(host.revision - 1) } });
      owners.push({ hostId: host.hostId });
    }
    for (const { before, after, timeline, events } of changes) {
      events.forEach(validateEvent);
      const rows = [
        { Put: { TableName: this.tableName, Item: jobItem({ ...after, revision: before.revision + 1 }), ...revisionCondition(before.revision) } },
        ...timelinePuts(this.tableName, after.jobId, timeline, before.revision * 100),
      ];
      items.push(...rows);
      owners.push({ jobId: after.jobId }, ...rows.slice(1).map(() => undefined));
    }
    // Every job's events in one outbox item: one write and one mark-sent per transaction.
    const events = changes.flatMap((change) => change.events);
    if (events.length > 0) {
      items.push(outboxBatchPut(this.tableName, events));
      owners.push(undefined);
    }
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !isConditionFailure(error)) throw error;
      // The reasons line up with the items: a failed condition names the stale job or host.
      const stale = (error.CancellationReasons ?? []).flatMap((reason, index) => (reason.Code && reason.Code !== 'None' ? [owners[index]] : []));
      return {
        committed: false,
        staleJobIds: stale.flatMap((owner) => (owner && 'jobId' in owner ? [owner.jobId] : [])),
        staleHostIds: stale.flatMap((owner) => (owner && 'hostId' in owner ? [owner.hostId] : [])),
      };
    }
  }

  publish(events: readonly DomainEvent[]): Promise<void> {
    return this.outbox.publishCommitted(events);
  }

  publishBatch(events: readonly DomainEvent[]): Promise<void> {
    return this.outbox.publishCommittedBatch(events);
  }

  /**
   * The head of the queue, at most `limit`, oldest first: each shard's oldest (twice its even
   * share of `limit`, so a caller reads a bounded number of items and every shard moves on).
   */
  async listPlaceable(limit: number): Promise<readonly Job[]> {
    const perShard = Math.min(limit, 2 * Math.ceil(limit / WORK_SHARDS));
    const shards = await Promise.all(
      workBuckets('place').map(async (bucket) => {
        const page = await this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'work',
            KeyConditionExpression: 'workBucket = :place',
            ExpressionAttributeValues: { ':place': bucket },
            Limit: perShard,
          }),
        );
        return page.Items ?? [];
      }),
    );
    const oldestFirst = shards.flat().sort((a, b) => String(a.workDueAt).localeCompare(String(b.workDueAt)));
    return oldestFirst.slice(0, limit).map(toJob);
  }

  async listActive(): Promise<readonly Job[]> {
    const buckets = await Promise.all(
      [...workBuckets('place'), ...workBuckets('active')].map((bucket) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: 'work',
          KeyConditionExpression: 'workBucket = :bucket',
          ExpressionAttributeValues: { ':bucket': bucket },
        }),
      ),
    );
    return buckets.flat().map(toJob);
  }
}

export class DynamoCapacityStore implements CapacityStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async changedSince(since: string): Promise<readonly HostCapacity[]> {
    const shards = await Promise.all(
      Array.from({ length: CAPACITY_SHARDS }, (_, shard) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: 'byType',
          // `~` sorts after every digit and `#`: the whole range of change times from `since`.
          KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk BETWEEN :since AND :end',
          ExpressionAttributeValues: { ':shard': `CAPACITY#${shard}`, ':since': `${CHANGED_PREFIX}${since}`, ':end': `${CHANGED_PREFIX}~` },
        }),
      ),
    );
    return shards.flat().map(toCapacity);
  }

  async all(): Promise<readonly HostCapacity[]> {
    const shards = await Promise.all(
      Array.from({ length: CAPACITY_SHARDS }, (_, shard) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: 'byType',
          KeyConditionExpression: 'gsi1pk = :shard',
          ExpressionAttributeValues: { ':shard': `CAPACITY#${shard}` },
        }),
      ),
    );
    return shards.flat().map(toCapacity);
  }

  async get(hostId: string): Promise<HostCapacity | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: capacityKey(hostId), ConsistentRead: true }));
    return Item ? toCapacity(Item) : undefined;
  }

  async save(capacity: HostCapacity): Promise<boolean> {
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: capacityItem(capacity, this.now()), ...revisionCondition(capacity.revision - 1) }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
