import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sendBatches, sendMessageBatches } from '#platform/sqs-batches.ts';

const messages = (sizes: readonly number[]) => sizes.map((bytes, id) => ({ id, bytes }));

describe('sendBatches', () => {
  it('splits messages into runs of at most ten, in order', () => {
    const batches = sendBatches(messages(Array.from({ length: 25 }, () => 100)));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22, 23, 24],
    ]);
  });

  it('starts a new batch before the bodies pass 240 KiB, under the 256 KiB SQS takes a call', () => {
    const batches = sendBatches(messages([100 * 1024, 100 * 1024, 100 * 1024, 10]));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([[0, 1], [2, 3]]);
  });

  it('sends a message larger than the limit on its own, for SQS to refuse', () => {
    const batches = sendBatches(messages([10, 300 * 1024, 10]));

    expect(batches.map((batch) => batch.map(({ id }) => id))).toEqual([[0], [1], [2]]);
  });
});

describe('sendMessageBatches', () => {
  const sqs = mockClient(SQSClient);
  afterAll(() => sqs.restore());
  beforeEach(() => sqs.reset());

  const sent = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries!.map((entry) => entry.MessageBody));

  it('sends ten entries a call, each with its place in the call as its id', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const unsent = await sendMessageBatches(new SQSClient({}), 'https://queue', Array.from({ length: 12 }, (_, n) => n), (n) => ({ MessageBody: `m${n}` }));

    expect(unsent).toEqual([]);
    expect(sent()).toEqual([Array.from({ length: 10 }, (_, n) => `m${n}`), ['m10', 'm11']]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[1]!.args[0].input.Entries!.map((entry) => entry.Id)).toEqual(['0', '1']);
  });

  it('returns the items SQS refused, naming its reason, and every item of a call that failed whole', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '3', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad character' }] })
      .rejectsOnce(new Error('socket hang up'));

    const unsent = await sendMessageBatches(new SQSClient({}), 'https://queue', Array.from({ length: 12 }, (_, n) => n), (n) => ({ MessageBody: `m${n}` }), { inOrder: true });

    expect(unsent.map(({ item, error }) => [item, error.message])).toEqual([
      [3, 'SQS refused the message: InvalidMessageContents bad character'],
      [10, 'socket hang up'],
      [11, 'socket hang up'],
    ]);
  });

  it('in order, sends a call only once the one before was answered', async () => {
    let answered = 0;
    const seenAnswered: number[] = [];
    sqs.on(SendMessageBatchCommand).callsFake(async () => {
      seenAnswered.push(answered);
      await new Promise((resolve) => setImmediate(resolve));
      answered += 1;
      return { Successful: [], Failed: [] };
    });

    await sendMessageBatches(new SQSClient({}), 'https://queue', Array.from({ length: 25 }, (_, n) => n), (n) => ({ MessageBody: `m${n}` }), { inOrder: true });

    expect(seenAnswered).toEqual([0, 1, 2]);
  });
});
