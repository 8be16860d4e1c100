import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import { outboxBatchPut, outboxPut, validateEvent, type Outbox } from '#platform/outbox.ts';
import { queryPage, scanAll } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import type { Job } from '../domain/job.ts';
import type { TimelineEntry } from '../domain/outcome.ts';
import type { BatchCommitResult, CreateResult, IdempotencyClaim, JobChange, JobStore } from '../ports.ts';
import { toJob, toJobClaim, toTimelineEntry } from './job-codecs.ts';
import { capacityItem, IDEMPOTENCY_SECONDS, isConditionFailure, jobItem, jobKey, placeBucketOf, revisionCondition, timelinePuts, WORK_SHARDS, workBuckets } from './items.ts';

/** Jobs, their timelines and Idempotency-Keys in the matching table (items.ts), with the outbox in the same transactions. */
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
      const stored = toJobClaim(Item);
      return { kind: 'replayed', jobId: stored.jobId, sameBody: stored.bodyHash === claim.bodyHash };
    }
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return Item ? toJob(Item) : undefined;
  }

  async listByRenter(renterId: string, query: { status?: string; limit: number; cursor?: string }): Promise<Page<Job>> {
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :renter',
        ...(query.status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':renter': `RENTER#${renterId}`, ...(query.status ? { ':status': query.status } : {}) },
        ScanIndexForward: false,
        Limit: query.limit,
      },
      decodeCursor(query.cursor),
      toJob,
    );
  }

  async timeline(jobId: string, limit: number, cursor?: string): Promise<Page<TimelineEntry>> {
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :job AND begins_with(sk, :event)',
        ExpressionAttributeValues: { ':job': `JOB#${jobId}`, ':event': 'EVENT#' },
        Limit: limit,
      },
      decodeCursor(cursor),
      toTimelineEntry,
    );
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
   * The head of the queue, at most `limit`, oldest first. Of one placement group: that group's
   * partition alone. Of every group: each group's oldest (at most `2 * limit / WORK_SHARDS`, so
   * a caller reads a bounded number of items and every group moves on).
   */
  async listPlaceable(limit: number, group?: number): Promise<readonly Job[]> {
    const perShard = group === undefined ? Math.min(limit, 2 * Math.ceil(limit / WORK_SHARDS)) : limit;
    const shards = await Promise.all(
      (group === undefined ? workBuckets('place') : [placeBucketOf(group)]).map(async (bucket) => {
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

  /**
   * Every job the work index lists (funded and queued, or with anything live), for the sweep:
   * one scan of the sparse index, its services left out, rather than a query per partition
   * (every placement group and work shard: 43 requests on an idle fleet). It reads the same
   * items; the partitions spread the index's writes, and a scan reads them all at once.
   */
  async listActive(): Promise<readonly Job[]> {
    const items = await scanAll(this.documents, {
      TableName: this.tableName,
      IndexName: 'work',
      FilterExpression: 'begins_with(workBucket, :place) OR begins_with(workBucket, :active)',
      ExpressionAttributeValues: { ':place': 'place', ':active': 'active' },
    });
    return items.map(toJob);
  }
}
