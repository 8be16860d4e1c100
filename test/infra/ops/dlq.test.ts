import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { discoverDeadLetterPairs, redriveDeadLetters } from '#infra/ops/dlq.ts';

const sqs = new SQSClient({ region: 'eu-west-1' });
const sqsMock = mockClient(sqs);
const base = 'https://sqs.eu-west-1.amazonaws.com/123456789012';
const arn = (name: string) => `arn:aws:sqs:eu-west-1:123456789012:${name}`;

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(GetQueueUrlCommand).callsFake((input: { QueueName: string }) => ({ QueueUrl: `${base}/${input.QueueName}` }));
  sqsMock.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { QueueArn: arn(input.QueueUrl.split('/').pop() ?? ''), ApproximateNumberOfMessages: input.QueueUrl.endsWith('-dlq') ? '7' : '0', ApproximateNumberOfMessagesNotVisible: '0' },
  }));
});

describe('discoverDeadLetterPairs', () => {
  it('pairs each of the stage\'s queues with its DLQ and leaves host queues out', async () => {
    sqsMock.on(ListQueuesCommand).resolves({
      QueueUrls: ['gpuhive-prod-billing-jobs', 'gpuhive-prod-billing-jobs-dlq', 'gpuhive-prod-host-host_1', 'gpuhive-prod-matching-funds', 'gpuhive-prod-matching-funds-dlq'].map((name) => `${base}/${name}`),
    });

    const pairs = await discoverDeadLetterPairs(sqs, 'prod');

    expect(pairs).toEqual([
      { queue: 'billing-jobs', name: 'gpuhive-prod-billing-jobs', deadLetterName: 'gpuhive-prod-billing-jobs-dlq' },
      { queue: 'matching-funds', name: 'gpuhive-prod-matching-funds', deadLetterName: 'gpuhive-prod-matching-funds-dlq' },
    ]);
    expect(sqsMock.commandCalls(ListQueuesCommand)[0]!.args[0].input.QueueNamePrefix).toBe('gpuhive-prod-');
  });
});

describe('redriveDeadLetters on AWS', () => {
  it('starts an SQS message move task from the DLQ back to its own queue and moves nothing itself', async () => {
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });

    const result = await redriveDeadLetters(sqs, { queue: 'billing-jobs', name: 'gpuhive-prod-billing-jobs', deadLetterName: 'gpuhive-prod-billing-jobs-dlq' }, 'move-task');

    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: arn('gpuhive-prod-billing-jobs-dlq'), DestinationArn: arn('gpuhive-prod-billing-jobs') });
    expect(result).toEqual({ queue: 'billing-jobs', method: 'move-task', moved: 7, taskHandle: 'task-1' });
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});
