import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsChargeQueue, type ChargeMessage } from '#billing/adapters/sqs-charge-queue.ts';

const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(sqs);
afterAll(() => mock.restore());
beforeEach(() => mock.reset());

const URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/gpuhive-test-billing-charges.fifo';
const message = (n: number, renterId = `acct_r${n % 2}`): ChargeMessage => ({ id: `m${n}`, renterId, eventId: `ev-${n}`, body: `{"n":${n}}` });

describe('SqsChargeQueue', () => {
  it('sends each event unchanged with the renter as its message group and the event id as its deduplication id, ten a call', async () => {
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const failed = await new SqsChargeQueue(URL, sqs).send(Array.from({ length: 12 }, (_, n) => message(n)));

    expect(failed).toEqual([]);
    const calls = mock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 2]);
    expect(calls[0]).toMatchObject({ QueueUrl: URL });
    expect(calls[1]?.Entries).toEqual([
      { Id: '0', MessageBody: '{"n":10}', MessageGroupId: 'acct_r0', MessageDeduplicationId: 'ev-10' },
      { Id: '1', MessageBody: '{"n":11}', MessageGroupId: 'acct_r1', MessageDeduplicationId: 'ev-11' },
    ]);
  });

  it('returns the messages SQS did not take, and every message of a call that failed whole', async () => {
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }] })
      .rejectsOnce(new Error('network down'));

    const failed = await new SqsChargeQueue(URL, sqs).send(Array.from({ length: 13 }, (_, n) => message(n)));

    expect(failed.sort()).toEqual(['m10', 'm11', 'm12', 'm3']);
  });
});
