import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsHostMessenger } from '#matching/adapters/sqs-host-messenger.ts';
import type { HostMessage } from '#matching/domain/messages.ts';

const sqs = mockClient(SQSClient);
const BASE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/';
const message = (hostId: string, n: number): HostMessage => ({ hostId, message: { type: 'cancel', assignmentId: `asg_${n}` } }) as unknown as HostMessage;

describe('SqsHostMessenger', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueUrlCommand).callsFake(({ QueueName }: { QueueName: string }) => ({ QueueUrl: `${BASE}${QueueName}` }));
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('looks up one queue URL and builds the others from its base', async () => {
    const messenger = new SqsHostMessenger(new SQSClient({ region: 'eu-west-1' }), 'gpuhive-prod-host-', new Logger({ logLevel: 'SILENT' }));

    await messenger.send([message('host_a', 1)]);
    await messenger.send([message('host_b', 2), message('host_c', 3)]);

    expect(sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.QueueUrl).sort()).toEqual(
      ['host_a', 'host_b', 'host_c'].map((hostId) => `${BASE}gpuhive-prod-host-${hostId}`),
    );
  });

  it('makes one lookup for concurrent first sends to many hosts', async () => {
    const messenger = new SqsHostMessenger(new SQSClient({ region: 'eu-west-1' }), 'gpuhive-prod-host-', new Logger({ logLevel: 'SILENT' }));

    await messenger.send(Array.from({ length: 20 }, (_, n) => message(`host_${n}`, n)));

    expect(sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(20);
  });

  it('still reaches the other hosts when the first lookup names a queue that is gone', async () => {
    sqs.on(GetQueueUrlCommand, { QueueName: 'gpuhive-prod-host-host_gone' }).rejects(new Error('AWS.SimpleQueueService.NonExistentQueue'));
    const messenger = new SqsHostMessenger(new SQSClient({ region: 'eu-west-1' }), 'gpuhive-prod-host-', new Logger({ logLevel: 'SILENT' }));

    await messenger.send([message('host_gone', 1)]);
    await messenger.send([message('host_b', 2)]);

    expect(sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.QueueUrl)).toEqual([`${BASE}gpuhive-prod-host-host_b`]);
  });

  it('sends one batch per host for the messages of that host', async () => {
    const messenger = new SqsHostMessenger(new SQSClient({ region: 'eu-west-1' }), 'gpuhive-prod-host-', new Logger({ logLevel: 'SILENT' }));

    await messenger.send([message('host_a', 1), message('host_b', 2), message('host_a', 3)]);

    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(batches).toHaveLength(2);
    expect(batches.find((batch) => batch.QueueUrl?.endsWith('host_a'))?.Entries).toHaveLength(2);
  });
});
