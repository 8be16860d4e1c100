import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#platform/errors.ts';
import { SqsHostQueues } from '#registry/adapters/sqs-host-queues.ts';

const sqs = new SQSClient({ region: 'eu-west-1' });
const sqsMock = mockClient(sqs);

const PREFIX = 'gpuhive-test-host-';
const URL_OF_HOST_1 = 'https://sqs.eu-west-1.amazonaws.com/123456789012/gpuhive-test-host-host_1';
const host = { hostId: 'host_1', providerId: 'acct_provider1' };

const queueMissing = () => new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });

let queues: SqsHostQueues;

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(CreateQueueCommand).resolves({ QueueUrl: URL_OF_HOST_1 });
  sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: URL_OF_HOST_1 });
  sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  queues = new SqsHostQueues(sqs, PREFIX);
});

describe('SqsHostQueues.create', () => {
  it('creates a queue named prefix + hostId, encrypted, tagged with host and provider', async () => {
    await queues.create(host);

    const input = sqsMock.commandCalls(CreateQueueCommand)[0]!.args[0].input;
    expect(input.QueueName).toBe('gpuhive-test-host-host_1');
    expect(input.Attributes?.SqsManagedSseEnabled).toBe('true');
    expect(input.tags).toEqual({ 'gpuhive:host': 'host_1', 'gpuhive:provider': 'acct_provider1' });
  });

  it('remembers the URL so it need not look it up again', async () => {
    await queues.create(host);

    const url = await queues.urlOf('host_1');

    expect(url).toBe(URL_OF_HOST_1);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(0);
  });
});

describe('SqsHostQueues.urlOf', () => {
  it('looks the queue up by its name', async () => {
    const url = await queues.urlOf('host_1');

    expect(url).toBe(URL_OF_HOST_1);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)[0]!.args[0].input).toEqual({ QueueName: 'gpuhive-test-host-host_1' });
  });

  it('maps QueueDoesNotExist to NotFoundError', async () => {
    sqsMock.on(GetQueueUrlCommand).rejects(queueMissing());

    await expect(queues.urlOf('host_1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lets other SQS failures through', async () => {
    sqsMock.on(GetQueueUrlCommand).rejects(new Error('throttled'));

    await expect(queues.urlOf('host_1')).rejects.toThrow('throttled');
  });
});

describe('SqsHostQueues.ack', () => {
  it('deletes the receipts in batches of at most ten', async () => {
    const receipts = Array.from({ length: 25 }, (_, i) => `receipt-${i}`);

    await queues.ack('host_1', receipts);

    const batches = sqsMock.commandCalls(DeleteMessageBatchCommand).map((call) => call.args[0].input);
    expect(batches.map((batch) => batch.Entries?.length)).toEqual([10, 10, 5]);
    expect(batches.flatMap((batch) => batch.Entries!.map((entry) => entry.ReceiptHandle))).toEqual(receipts);
    expect(batches.every((batch) => batch.QueueUrl === URL_OF_HOST_1)).toBe(true);
  });

  it('gives each entry of a batch a distinct id', async () => {
    await queues.ack('host_1', ['a', 'b', 'c']);

    const ids = sqsMock.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries!.map((entry) => entry.Id);
    expect(new Set(ids).size).toBe(3);
  });

  it('throws when SQS reports failed entries that are not the sender\'s fault', async () => {
    sqsMock.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });

    await expect(queues.ack('host_1', ['good', 'bad'])).rejects.toThrow('InternalError');
  });

  it('names each receipt SQS refused as invalid as a bad field, not a server failure', async () => {
    sqsMock.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
    });

    const refused = await queues.ack('host_1', ['good', 'bad']).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details).toEqual([{ field: 'receipts.1', message: expect.stringContaining('ReceiptHandleIsInvalid') }]);
  });

  it('answers 404 when the queue was deleted after its URL was cached', async () => {
    await queues.urlOf('host_1');
    sqsMock.on(DeleteMessageBatchCommand).rejects(queueMissing());

    await expect(queues.ack('host_1', ['r'])).rejects.toBeInstanceOf(NotFoundError);
  });

  it('sends nothing for no receipts', async () => {
    await queues.ack('host_1', []);

    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });
});

describe('SqsHostQueues.receive', () => {
  it('long-polls for up to ten messages and parses their JSON bodies', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({
      Messages: [{ ReceiptHandle: 'r-1', Body: '{"type":"cancel","assignmentId":"asg_1","jobId":"job_1","reason":"renter"}' }],
    });

    const messages = await queues.receive('host_1', 20);

    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({ WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
    expect(messages).toEqual([{ receipt: 'r-1', message: { type: 'cancel', assignmentId: 'asg_1', jobId: 'job_1', reason: 'renter' } }]);
  });

  it('answers 404, and forgets the URL, when the queue was deleted after its URL was cached', async () => {
    await queues.urlOf('host_1');
    sqsMock.on(ReceiveMessageCommand).rejects(queueMissing());

    await expect(queues.receive('host_1', 0)).rejects.toBeInstanceOf(NotFoundError);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(1);
    await expect(queues.receive('host_1', 0)).rejects.toBeInstanceOf(NotFoundError);
    expect(sqsMock.commandCalls(GetQueueUrlCommand)).toHaveLength(2);
  });
});

describe('SqsHostQueues.remove', () => {
  it('deletes the queue', async () => {
    await queues.remove('host_1');

    expect(sqsMock.commandCalls(DeleteQueueCommand)[0]!.args[0].input).toEqual({ QueueUrl: URL_OF_HOST_1 });
  });

  it('is harmless when the queue is already gone', async () => {
    sqsMock.on(GetQueueUrlCommand).rejects(queueMissing());

    await expect(queues.remove('host_1')).resolves.toBeUndefined();
    expect(sqsMock.commandCalls(DeleteQueueCommand)).toHaveLength(0);
  });

  it('is harmless when another request deleted the queue after this one found its URL', async () => {
    // Two concurrent DELETE /v1/hosts/{hostId} both reach remove(); the second must not answer 500.
    sqsMock.on(DeleteQueueCommand).rejects(queueMissing());

    await expect(queues.remove('host_1')).resolves.toBeUndefined();
  });
});
