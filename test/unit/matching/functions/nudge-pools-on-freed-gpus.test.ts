import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import { jobItem } from '#matching/adapters/items.ts';
import { MatchingEnv } from '#matching/config.ts';
import { groupsServedBy, placeGroupOf } from '#matching/domain/place-groups.ts';
import { eventRecord, lambdaContext, sampleDetail } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';
import { aFundedJob, aJobSpec, anAssignment } from '#test/support/matching-factories.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
let handler: (typeof import('#functions/matching/place-stop-or-nudge-on-funds-and-freed-gpus.ts'))['handler'];

const job = aFundedJob({ jobId: 'job_1', spec: aJobSpec({ gpu: { count: 1, models: ['RTX 4090'] }, regions: ['eu-west'] }) });

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/matching/place-stop-or-nudge-on-funds-and-freed-gpus.ts'), {
    MATCHING_TABLE_NAME: 'gpuhive-test-matching',
    [MatchingEnv.poolsQueueUrl]: 'https://sqs.test/gpuhive-test-matching-pools.fifo',
  }));
});

resetEachTest(dynamo, sqs);

beforeEach(() => {
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => (input.Key.pk === 'JOB#job_1' ? { Item: jobItem(job) } : {}));
  sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
});

describe('matching-funds on assignment.ended: nudges of the groups freed GPUs serve', () => {
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

  it('fails only a record that does not parse, and one whose nudges SQS did not take', async () => {
    const running = aFundedJob({ ...job, assignments: [anAssignment({ assignmentId: 'asg_1' }), anAssignment({ assignmentId: 'asg_2' })] });
    dynamo.on(GetCommand).resolves({ Item: jobItem(running) });
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string; MessageDeduplicationId: string }[] }) => ({
      Failed: input.Entries.filter((entry) => entry.MessageDeduplicationId.startsWith('evt_2#')).map((entry) => ({ Id: entry.Id, Code: 'x', SenderFault: false })),
    }));
    const records = [
      eventRecord(events.assignmentEnded, ended('job_1', 'asg_1', 'evt_1'), 'm1'),
      eventRecord(events.assignmentEnded, ended('job_1', 'asg_2', 'evt_2'), 'm2'),
      eventRecord(events.assignmentEnded, { jobId: 'job_1' }, 'm3'),
    ];

    const result = await handler({ Records: records }, lambdaContext());

    expect(result.batchItemFailures.map((failure: { itemIdentifier: string }) => failure.itemIdentifier).sort()).toEqual(['m2', 'm3']);
  });
});
