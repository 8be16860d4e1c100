import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsPoolNudger } from '#matching/adapters/sqs-pool-nudger.ts';

const sqs = mockClient(SQSClient);
const nudger = new SqsPoolNudger('https://sqs.test/matching-pools.fifo', new SQSClient({ region: 'us-east-1' }), new Logger({ logLevel: 'SILENT' }));

beforeEach(() => sqs.reset());

describe('SqsPoolNudger', () => {
  it("sends each nudge in its placement group's message group, deduplicated by its cause", async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    const lost = await nudger.nudge([{ group: 3, deduplicationId: 'evt_1#3' }, { group: 7, deduplicationId: 'evt_2#7' }]);

    expect(lost).toEqual([]);
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', MessageBody: '{"group":3}', MessageGroupId: 'place#3', MessageDeduplicationId: 'evt_1#3' },
      { Id: '1', MessageBody: '{"group":7}', MessageGroupId: 'place#7', MessageDeduplicationId: 'evt_2#7' },
    ]);
  });

  it('sends ten a call and returns the nudges SQS did not take', async () => {
    sqs.on(SendMessageBatchCommand).resolvesOnce({ Failed: [{ Id: '2', Code: 'x', SenderFault: false }] }).rejectsOnce(new Error('throttled'));
    const nudges = Array.from({ length: 12 }, (_, n) => ({ group: n, deduplicationId: `evt_${n}` }));

    const lost = await nudger.nudge(nudges);

    expect(sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([10, 2]);
    expect(lost.map((nudge) => nudge.group).sort((a, b) => a - b)).toEqual([2, 10, 11]);
  });
});
