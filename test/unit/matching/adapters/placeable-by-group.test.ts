import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoJobStore } from '#matching/adapters/dynamo-matching-store.ts';
import { jobItem } from '#matching/adapters/items.ts';
import { PLACE_GROUPS, placeGroupOf } from '#matching/domain/place-groups.ts';
import type { Outbox } from '#platform/outbox.ts';
import { aFundedJob, aJob, aJobSpec } from '#test/support/matching-factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documents);
const store = new DynamoJobStore('matching', documents, {} as Outbox);

const inPool = (jobId: string, model: string, region: string, createdAt: string) =>
  aFundedJob({ jobId, createdAt, spec: aJobSpec({ gpu: { count: 1, models: [model] }, regions: [region] }) });
const bucketsQueried = () => dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':place']);

beforeEach(() => dynamo.reset());

describe('placeable jobs listed by placement group', () => {
  it("lists a funded, queued job under its placement group's partition, and no other job there", () => {
    const job = inPool('job_a', 'RTX 4090', 'eu-west', '2026-01-01T00:00:00.000Z');

    expect(jobItem(job).workBucket).toBe(`place#${placeGroupOf(job.spec)}`);
    expect(jobItem(aJob({ fundsHeld: false })).workBucket).not.toMatch(/^place/);
    expect(jobItem({ ...job, status: 'scheduled' }).workBucket).toMatch(/^active#/);
  });

  it("reads only the group's own partition for a pool's matcher, oldest first", async () => {
    const older = inPool('job_old', 'RTX 4090', 'eu-west', '2026-01-01T00:00:00.000Z');
    const newer = inPool('job_new', 'RTX 4090', 'eu-west', '2026-01-01T00:00:05.000Z');
    dynamo.on(QueryCommand).resolves({ Items: [jobItem(newer), jobItem(older)] });
    const group = placeGroupOf(older.spec);

    const jobs = await store.listPlaceable(50, group);

    expect(bucketsQueried()).toEqual([`place#${group}`]);
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({ IndexName: 'work', Limit: 50 });
    expect(jobs.map((job) => job.jobId)).toEqual(['job_old', 'job_new']);
  });

  it("reads every group's partition and the unsharded one for the sweep", async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });

    await store.listPlaceable(1000);

    expect(new Set(bucketsQueried())).toEqual(new Set([...Array.from({ length: PLACE_GROUPS }, (_, group) => `place#${group}`), 'place']));
  });
});

describe("the sweep's listing of active jobs", () => {
  it('scans the work index once for every page, its placement groups and work shards alike, and leaves services out', async () => {
    const queued = inPool('job_queued', 'RTX 4090', 'eu-west', '2026-01-01T00:00:00.000Z');
    const running = aJob({ jobId: 'job_running', status: 'running' });
    dynamo.on(ScanCommand).resolvesOnce({ Items: [jobItem(queued)], LastEvaluatedKey: { pk: 'JOB#job_queued' } }).resolvesOnce({ Items: [jobItem(running)] });

    const jobs = await store.listActive();

    expect(jobs.map((job) => job.jobId)).toEqual(['job_queued', 'job_running']);
    expect(dynamo.commandCalls(QueryCommand)).toEqual([]);
    const scans = dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input);
    expect(scans).toHaveLength(2);
    expect(scans[0]).toMatchObject({
      IndexName: 'work',
      FilterExpression: 'begins_with(workBucket, :place) OR begins_with(workBucket, :active)',
      // The jobs' buckets (`place#<group>`, `active#<shard>` and the unsharded two), not a service's `service`.
      ExpressionAttributeValues: { ':place': 'place', ':active': 'active' },
    });
    expect(scans[1]?.ExclusiveStartKey).toEqual({ pk: 'JOB#job_queued' });
  });
});
