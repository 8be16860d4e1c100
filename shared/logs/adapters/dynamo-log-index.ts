import { z } from 'zod';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '#platform/clock.ts';
import { batchGetAll, queryAll } from '#platform/dynamo.ts';
import { itemDecoder } from '#platform/item-codec.ts';
import type { SegmentEntry } from '../domain/log-chunks.ts';
import type { AppendOutcome, JobLogs, JobProjection, KnownAssignment, LogIndex, NewSegment, ScheduledJob } from '../ports.ts';

/**
 * The logs table:
 * - `JOB#<job>` / `HEAD`: renter, bytes kept, truncated, committed segment count, ended at;
 * - `JOB#<job>` / `SEG#<index, 10 digits>`: one stored batch (assignment, rank, S3 key, each chunk's seq, stream, time, size);
 * - `ASSIGNMENT#<id>` / `ASSIGNMENT`: job, host, renter, rank (from `job.scheduled`);
 * - `ASSIGNMENT#<id>` / `SEQ#<seq, 10 digits>`: the dedup marker of one chunk.
 */
const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'HEAD' });
const segmentSk = (index: number) => `SEG#${String(index).padStart(10, '0')}`;
const assignmentKey = (assignmentId: string) => ({ pk: `ASSIGNMENT#${assignmentId}`, sk: 'ASSIGNMENT' });
const seqKey = (assignmentId: string, seq: number) => ({ pk: `ASSIGNMENT#${assignmentId}`, sk: `SEQ#${String(seq).padStart(10, '0')}` });

/** TransactWriteItems takes at most 100 items. */
const TRANSACTION_ITEMS = 100;

const toJob = itemDecoder('job logs head', z.object({
  jobId: z.string(),
  renterId: z.string(),
  bytes: z.number().int().default(0),
  truncated: z.boolean().optional().transform((truncated) => truncated === true),
  segments: z.number().int().default(0),
  endedAt: z.string().optional(),
  endKnownAt: z.string().optional(),
})) satisfies (item: Record<string, unknown>) => JobLogs;

const toAssignment = itemDecoder('assignment', z.object({
  jobId: z.string(),
  hostId: z.string(),
  renterId: z.string(),
  rank: z.number().int(),
}));

const toSeq = itemDecoder('chunk marker', z.object({ seq: z.number().int() }));

const toSegment = itemDecoder('segment', z.object({
  index: z.number().int(),
  assignmentId: z.string(),
  rank: z.number().int(),
  key: z.string(),
  chunks: z.array(z.object({ bytes: z.number().int() })),
}).transform(({ chunks, ...segment }): SegmentEntry => ({ ...segment, chunkBytes: chunks.map((chunk) => chunk.bytes) })));

export class DynamoLogIndex implements LogIndex, JobProjection {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async getAssignment(assignmentId: string): Promise<KnownAssignment | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: assignmentKey(assignmentId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { jobId, hostId, renterId, rank } = toAssignment(Item);
    return { assignmentId, jobId, hostId, renterId, rank };
  }

  async getJob(jobId: string): Promise<JobLogs | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }));
    return Item ? toJob(Item) : undefined;
  }

  async storedSeqs(assignmentId: string, seqs: readonly number[]): Promise<Set<number>> {
    const keys = seqs.map((seq) => seqKey(assignmentId, seq));
    const found = await batchGetAll(this.documents, this.tableName, keys, { ConsistentRead: true, ProjectionExpression: 'seq' });
    return new Set(found.map((item) => toSeq(item).seq));
  }

  async appendSegment(segment: NewSegment): Promise<AppendOutcome> {
    const { job, assignment, chunks } = segment;
    const ttl = epochSeconds(segment.expiresAt);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: jobKey(job.jobId),
                UpdateExpression: 'SET #segments = :next, #bytes = :bytes, #truncated = :truncated',
                ConditionExpression: '#segments = :expected',
                ExpressionAttributeNames: { '#segments': 'segments', '#bytes': 'bytes', '#truncated': 'truncated' },
                ExpressionAttributeValues: {
                  ':next': job.segments + 1, ':expected': job.segments, ':bytes': segment.bytes, ':truncated': segment.truncated,
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: `JOB#${job.jobId}`,
                  sk: segmentSk(job.segments),
                  index: job.segments,
                  assignmentId: assignment.assignmentId,
                  rank: assignment.rank,
                  key: segment.key,
                  chunks: chunks.map((chunk) => ({ seq: chunk.seq, stream: chunk.stream, at: chunk.at, bytes: Buffer.byteLength(chunk.data, 'utf8') })),
                  ttl,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...chunks.map((chunk) => ({
              Put: {
                TableName: this.tableName,
                Item: { ...seqKey(assignment.assignmentId, chunk.seq), seq: chunk.seq, segment: job.segments, ttl },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            })),
          ],
        }),
      );
      return { kind: 'appended' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const duplicates = chunks.filter((_chunk, i) => reasons[i + 2]?.Code === 'ConditionalCheckFailed').map((chunk) => chunk.seq);
      if (duplicates.length > 0) return { kind: 'duplicates', seqs: duplicates };
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return { kind: 'moved' };
      throw error;
    }
  }

  async markTruncated(jobId: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(jobId),
        UpdateExpression: 'SET #truncated = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#truncated': 'truncated' },
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  /** Callers ask for at most a page's worth (1,001 segments of a few KB): one query, followed past 1 MB if need be. */
  async segments(jobId: string, fromIndex: number, toIndex: number): Promise<SegmentEntry[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `JOB#${jobId}`, ':from': segmentSk(fromIndex), ':to': segmentSk(toIndex - 1) },
      ConsistentRead: true,
    });
    return items.map(toSegment);
  }

  /** The head exists as soon as the job is known; counters start at zero and are never reset. */
  async jobSeen(jobId: string, renterId: string): Promise<void> {
    await this.documents.send(new UpdateCommand(this.headUpdate(jobId, renterId)));
  }

  /**
   * Only the assignments: the job's head is written by `job.submitted`, which every job has
   * before it can be placed, and by the write route if a log arrives first (`recordLogs`), so
   * a placement costs this context one item per assignment (issue 14).
   */
  async assignmentsScheduled(jobId: string, renterId: string, assignments: readonly Omit<KnownAssignment, 'jobId' | 'renterId'>[]): Promise<void> {
    for (const assignment of assignments) await this.documents.send(new UpdateCommand(this.assignmentUpdate(jobId, renterId, assignment)));
  }

  /**
   * A whole SQS batch of `job.scheduled` at once (issue 14): each job's assignments in
   * TransactWriteItems of at most 100 items, an assignment named twice written once. A
   * transaction that collides with another writer falls back to `assignmentsScheduled` job by job.
   */
  async assignmentsScheduledMany(scheduled: readonly ScheduledJob[]): Promise<void> {
    const transactions: { jobs: ScheduledJob[]; items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> }[] = [];
    const written = new Set<string>();
    for (const job of scheduled) {
      const items = job.assignments.filter((assignment) => !written.has(assignment.assignmentId)).map((assignment) => ({ Update: this.assignmentUpdate(job.jobId, job.renterId, assignment) }));
      for (const assignment of job.assignments) written.add(assignment.assignmentId);
      for (let start = 0; start < items.length; start += TRANSACTION_ITEMS) {
        const part = items.slice(start, start + TRANSACTION_ITEMS);
        const last = transactions.at(-1);
        if (last && last.items.length + part.length <= TRANSACTION_ITEMS) {
          last.items.push(...part);
          last.jobs.push(job);
        } else transactions.push({ jobs: [job], items: [...part] });
      }
    }
    for (const { jobs, items } of transactions) {
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        for (const job of jobs) await this.assignmentsScheduled(job.jobId, job.renterId, job.assignments);
      }
    }
  }

  private headUpdate(jobId: string, renterId: string) {
    return {
      TableName: this.tableName,
      Key: jobKey(jobId),
      UpdateExpression:
        'SET jobId = :jobId, renterId = :renterId, #segments = if_not_exists(#segments, :zero), #bytes = if_not_exists(#bytes, :zero), #truncated = if_not_exists(#truncated, :false)',
      ExpressionAttributeNames: { '#segments': 'segments', '#bytes': 'bytes', '#truncated': 'truncated' },
      ExpressionAttributeValues: { ':jobId': jobId, ':renterId': renterId, ':zero': 0, ':false': false },
    };
  }

  private assignmentUpdate(jobId: string, renterId: string, assignment: Omit<KnownAssignment, 'jobId' | 'renterId'>) {
    return {
      TableName: this.tableName,
      Key: assignmentKey(assignment.assignmentId),
      UpdateExpression: 'SET assignmentId = :assignmentId, jobId = :jobId, hostId = :hostId, renterId = :renterId, #rank = :rank',
      ExpressionAttributeNames: { '#rank': 'rank' },
      ExpressionAttributeValues: {
        ':assignmentId': assignment.assignmentId, ':jobId': jobId, ':hostId': assignment.hostId, ':renterId': renterId, ':rank': assignment.rank,
      },
    };
  }

  /** The first `job.ended` wins; the head then expires with the job's logs. */
  async jobEnded(jobId: string, renterId: string, endedAt: string, knownAt: string, expiresAt: Date): Promise<void> {
    await this.jobSeen(jobId, renterId);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: jobKey(jobId),
        UpdateExpression: 'SET endedAt = if_not_exists(endedAt, :endedAt), endKnownAt = if_not_exists(endKnownAt, :knownAt), #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':endedAt': endedAt, ':knownAt': knownAt, ':ttl': epochSeconds(expiresAt) },
      }),
    );
  }
}
