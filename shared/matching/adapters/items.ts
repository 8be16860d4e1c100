import { createHash } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { isFinal, liveAssignments, type Job, type JobSpec } from '../domain/job.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import { PLACE_GROUPS, placeGroupOf } from '../domain/place-groups.ts';
import { poolKey, poolsOf } from '../domain/pool-index.ts';
import type { TimelineEntry } from '../domain/outcome.ts';

/**
 * Items of the matching table:
 * - `JOB#<id>` / `JOB`: the job with its assignments; `gsi1pk = RENTER#<id>` lists a renter's
 *   jobs; `workBucket` (`place#<group>` while funded and queued, `active#<shard>` while anything
 *   is left to watch) lets the matcher and the sweep find work without scanning the table (the
 *   sweep scans this sparse index alone, which holds only such jobs and live services). A placeable job
 *   is listed under its placement group (domain/place-groups.ts), so a pool's matcher reads only
 *   its own jobs; an active one under `WORK_SHARDS` partitions by the job id, since every
 *   placement writes one: one partition key would take every placement's write. Matchers query
 *   their groups' partitions, and the unsharded `place` and `active` of items written before (a `place#n`
 *   written by job id before the groups is read as group n's: any matcher may place any job);
 * - `JOB#<id>` / `EVENT#<time>#<n>`: the job's timeline;
 * - `HOST#<id>` / `CAPACITY`: matching's projection of a host and the assignments holding
 *   its GPUs; `gsi1pk = CAPACITY#<shard>` (32 shards, two per pool: `capacityShardOf`) lists
 *   them without one hot partition, so that a matcher reads only its pools' shards, and
 *   `gsi1sk = AT#<written at>#<id>` lets a matcher read only what changed since it last looked;
 * - `IDEMPOTENCY#<renter>#<key>` / `IDEMPOTENCY`: a submit's Idempotency-Key, for a day.
 */
export const CAPACITY_SHARDS = 32;
export const WORK_SHARDS = 8;
export const IDEMPOTENCY_SECONDS = 24 * 3600;
export const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
export const capacityKey = (hostId: string) => ({ pk: `HOST#${hostId}`, sk: 'CAPACITY' });
const hashByte = (text: string) => createHash('sha1').update(text).digest()[0]!;
/** A pool's hosts are listed under this many shards: a pool's writes never all land on one partition key. */
export const POOL_SPREAD = 2;
/** The capacity shards that list a pool's hosts (those whose first pool, by key, it is). */
export const capacityShardsOfPool = (pool: string): number[] =>
  Array.from({ length: POOL_SPREAD }, (_, n) => (hashByte(pool) + n) % CAPACITY_SHARDS);
/**
 * The capacity shard of a host: one of its first pool's, so a matcher working a few pools
 * reads only their shards' changes. A host in no pool (no GPUs) is spread by its id.
 */
export const capacityShardOf = (capacity: Pick<HostCapacity, 'hostId' | 'gpus' | 'region'>): number => {
  const [first] = poolsOf(capacity).map(poolKey).sort();
  if (first === undefined) return hashByte(capacity.hostId) % CAPACITY_SHARDS;
  return (hashByte(first) + (hashByte(capacity.hostId) % POOL_SPREAD)) % CAPACITY_SHARDS;
};

export const workShardOf = (jobId: string) => createHash('sha1').update(jobId).digest()[0]! % WORK_SHARDS;
/** The work index partition of a placement group's jobs. */
export const placeBucketOf = (group: number) => `place#${group}`;
/** Every partition of a work bucket, the unsharded one of older items last. */
export const workBuckets = (bucket: 'place' | 'active') =>
  [...Array.from({ length: bucket === 'place' ? PLACE_GROUPS : WORK_SHARDS }, (_, shard) => `${bucket}#${shard}`), bucket];

export const workBucketOf = (job: Job): string | undefined => {
  if (job.status === 'queued' && job.fundsHeld) return placeBucketOf(placeGroupOf(job.spec));
  if (!isFinal(job.status) || liveAssignments(job).length > 0) return `active#${workShardOf(job.jobId)}`;
  return undefined;
};

/**
 * The job's env is stored as a list of [name, value] pairs (`envPairs`), not a map: the
 * DynamoDB marshaller refuses a map key `constructor` and drops `__proto__`, and both are
 * legal variable names. Items written before keep `env` as a map, which still reads (`toJob`
 * in job-codecs.ts).
 */
export const storedSpec = (spec: JobSpec) => {
  const { env, ...rest } = spec;
  return { ...rest, envPairs: Object.entries(env) };
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

export const CHANGED_PREFIX = 'AT#';
/** A host's capacity as stored (exported for bulk seeding in benchmarks). */
export const capacityItem = (capacity: HostCapacity, writtenAt: Date) => ({
  ...capacityKey(capacity.hostId),
  ...capacity,
  gsi1pk: `CAPACITY#${capacityShardOf(capacity)}`,
  gsi1sk: `${CHANGED_PREFIX}${writtenAt.toISOString()}#${capacity.hostId}`,
});

export const timelinePuts = (tableName: string, jobId: string, entries: readonly TimelineEntry[], base: number) =>
  entries.map((entry, index) => ({
    Put: {
      TableName: tableName,
      Item: { pk: `JOB#${jobId}`, sk: `EVENT#${entry.at}#${String(base + index).padStart(4, '0')}`, ...entry },
    },
  }));

export const revisionCondition = (previous: number) =>
  previous === 0
    ? { ConditionExpression: 'attribute_not_exists(pk) OR revision = :previous', ExpressionAttributeValues: { ':previous': previous } }
    : { ConditionExpression: 'revision = :previous', ExpressionAttributeValues: { ':previous': previous } };

export const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException' ||
  (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict'));
