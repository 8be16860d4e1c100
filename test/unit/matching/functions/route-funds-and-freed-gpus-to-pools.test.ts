import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { events } from '#events/index.ts';
import { jobItem } from '#matching/adapters/items.ts';
import { MatchingEnv } from '#matching/config.ts';
import { groupOfPool, groupsServedBy, placeGroupOf } from '#matching/domain/place-groups.ts';
import { eventRecord, lambdaContext, sampleDetail } from '#test/support/factories.ts';
import { importHandlerWith } from '#test/support/handler-import.ts';
import { aFundedJob, aJobSpec, anAssignment } from '#test/support/matching-factories.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let handler: (typeof import('#functions/matching/route-funds-and-freed-gpus-to-pools.ts'))['handler'];

const job = aFundedJob({ jobId: 'job_1', spec: aJobSpec({ gpu: { count: 1, models: ['RTX 4090'] }, regions: ['eu-west'] }) });
const held = (jobId: string, eventId: string) => ({ ...sampleDetail('fundsHeld'), jobId, eventId });

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/matching/route-funds-and-freed-gpus-to-pools.ts'), {
    MATCHING_TABLE_NAME: 'gpuhive-test-matching',
    [MatchingEnv.poolsQueueUrl]: 'https://sqs.test/gpuhive-test-matching-pools.fifo',
  }));
});

afterAll(() => {
  vi.unstubAllEnvs();
  dynamo.restore();
  sqs.restore();
});

beforeEach(() => {
  dynamo.reset();
  sqs.reset();
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk === 'JOB#job_1' ? { Item: jobItem(job) } : {}));
  sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
});

describe('route-funds-and-freed-gpus-to-pools', () => {
  it("moves funds.held to the pools queue in the job's placement group, deduplicated by the event id", async () => {
    const result = await handler({ Records: [eventRecord(events.fundsHeld, held('job_1', 'evt_1'), 'm1')] }, lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    const [entry] = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({ MessageGroupId: `place#${placeGroupOf(job.spec)}`, MessageDeduplicationId: 'evt_1' });
    expect(JSON.parse(entry?.MessageBody ?? '{}')).toEqual({ group: placeGroupOf(job.spec), jobId: 'job_1' });
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toBe('https://sqs.test/gpuhive-test-matching-pools.fifo');
  });

  it('sends a job it never wrote to a group by its id (the consumer ignores it)', async () => {
    await handler({ Records: [eventRecord(events.fundsHeld, held('job_unknown', 'evt_2'), 'm1')] }, lambdaContext());

    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]).toMatchObject({ MessageGroupId: `place#${groupOfPool('job_unknown')}` });
  });

  it('fails only a record that does not parse, and one SQS did not take', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '1', Code: 'x', SenderFault: false }] });
    const records = [
      eventRecord(events.fundsHeld, held('job_1', 'evt_1'), 'm1'),
      eventRecord(events.fundsHeld, held('job_1', 'evt_2'), 'm2'),
      eventRecord(events.fundsHeld, { jobId: 'job_1' }, 'm3'),
    ];

    const result = await handler({ Records: records }, lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['m2', 'm3']);
  });
});

describe('route-funds-and-freed-gpus-to-pools on assignment.ended', () => {
  const ended = (jobId: string, assignmentId: string, eventId: string) => ({ ...sampleDetail('assignmentEnded'), jobId, assignmentId, eventId });

  it("nudges the groups the freed GPUs' pool serves, and the job's own group when it went back in the queue", async () => {
    const requeued = aFundedJob({ ...job, assignments: [anAssignment({ assignmentId: 'asg_1', gpuModel: 'H100 80GB HBM3', region: 'us-east' })] });
    dynamo.on(GetCommand).resolves({ Item: jobItem(requeued) });

    await handler({ Records: [eventRecord(events.assignmentEnded, ended('job_1', 'asg_1', 'evt_9'), 'm1')] }, lambdaContext());

    const entries = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries ?? [];
    const groups = entries.map((entry) => JSON.parse(entry.MessageBody ?? '{}').group as number);
    expect(new Set(groups)).toEqual(new Set([...groupsServedBy({ model: 'H100 80GB HBM3', region: 'us-east' }), placeGroupOf(job.spec)]));
    expect(entries.every((entry) => entry.MessageDeduplicationId === `evt_9#${JSON.parse(entry.MessageBody ?? '{}').group}`)).toBe(true);
    expect(entries.every((entry) => !JSON.parse(entry.MessageBody ?? '{}').jobId)).toBe(true);
  });

  it('nudges nothing for an assignment the job does not have', async () => {
    const result = await handler({ Records: [eventRecord(events.assignmentEnded, ended('job_1', 'asg_unknown', 'evt_9'), 'm1')] }, lambdaContext());

    expect(result.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? [])).toEqual([]);
  });
});
