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
  it('sends a renter\'s single event unchanged, with the renter as its message group and the event id as its deduplication id', async () => {
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const failed = await new SqsChargeQueue(URL, sqs).send([message(0), message(1)]);

    expect(failed).toEqual([]);
    const calls = mock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ QueueUrl: URL });
    expect(calls[0]?.Entries).toEqual([
      { Id: '0', MessageBody: '{"n":0}', MessageGroupId: 'acct_r0', MessageDeduplicationId: 'ev-0' },
      { Id: '1', MessageBody: '{"n":1}', MessageGroupId: 'acct_r1', MessageDeduplicationId: 'ev-1' },
    ]);
  });

  it('packs a renter\'s events, in order, ten to a message in its group, with a deduplication id made of their ids', async () => {
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const failed = await new SqsChargeQueue(URL, sqs).send(Array.from({ length: 24 }, (_, n) => message(n)));

    expect(failed).toEqual([]);
    const entries = mock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    const ofRenter = (renterId: string) => entries.filter((entry) => entry.MessageGroupId === renterId).map((entry) => JSON.parse(entry.MessageBody ?? '') as { events: { n: number }[] });
    expect(ofRenter('acct_r0').map((body) => body.events.map((event) => event.n))).toEqual([[0, 2, 4, 6, 8, 10, 12, 14, 16, 18], [20, 22]]);
    expect(ofRenter('acct_r1').map((body) => body.events.map((event) => event.n))).toEqual([[1, 3, 5, 7, 9, 11, 13, 15, 17, 19], [21, 23]]);
    const ids = entries.map((entry) => entry.MessageDeduplicationId);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id ?? ''))).toBe(true);
  });

  it('returns the messages SQS did not take, and every message of a call that failed whole', async () => {
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '3', SenderFault: false, Code: 'InternalError' }] })
      .rejectsOnce(new Error('network down'));

    // One renter each: nothing is packed, 13 messages in calls of 10 and 3.
    const failed = await new SqsChargeQueue(URL, sqs).send(Array.from({ length: 13 }, (_, n) => message(n, `acct_r${n}`)));

    expect(failed.sort()).toEqual(['m10', 'm11', 'm12', 'm3']);
  });

  it('returns every event of a packed message SQS did not take', async () => {
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] });

    const failed = await new SqsChargeQueue(URL, sqs).send([message(0, 'acct_a'), message(1, 'acct_a'), message(2, 'acct_b')]);

    expect(failed.sort()).toEqual(['m0', 'm1']);
  });

  it('sends an event that is twice in the batch once, and fails both copies when it is not taken', async () => {
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] });
    const copy = { ...message(0, 'acct_a'), id: 'm0-again' };

    const failed = await new SqsChargeQueue(URL, sqs).send([message(0, 'acct_a'), message(1, 'acct_a'), copy]);

    const [entry] = mock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect((JSON.parse(entry?.MessageBody ?? '') as { events: { n: number }[] }).events.map((event) => event.n)).toEqual([0, 1]);
    expect(failed.sort()).toEqual(['m0', 'm0-again', 'm1']);
  });
});
