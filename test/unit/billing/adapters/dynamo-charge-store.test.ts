import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '#platform/outbox.ts';
import { DynamoChargeStore } from '#billing/adapters/dynamo-charge-store.ts';
import { T0, silentLogger } from '#test/support/factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documents);
const TABLE = 'billing-table';
const outbox = new Outbox({ tableName: TABLE, busName: 'gpuhive-test', documents, eventBridge: new EventBridgeClient({ region: 'us-east-1' }), logger: silentLogger(), now: () => T0 });
const store = new DynamoChargeStore(TABLE, documents, outbox);

const renterId = 'acct_renter000000001';
const chunkItem = {
  pk: 'CHUNK#uch_1', sk: 'CHUNK', chunkId: 'uch_1', jobId: 'job_1', assignmentId: 'asg_1', renterId, providerId: 'acct_provider00000001', hostId: 'host_1',
  pricePerGpuHour: 3_600_000, lines: [{ usageRecordId: 'use_1', gpuSeconds: 1, from: T0.toISOString(), to: T0.toISOString(), amount: 1000, providerAmount: 900, fee: 100 }],
  amount: 1000, providerAmount: 900, fee: 100, fromHold: 1000, txnId: 'txn_1', chargedAt: T0.toISOString(), jobCost: 1000,
};
const holdItem = { pk: 'HOLD#job_1', sk: 'HOLD', jobId: 'job_1', accountId: renterId, amount: 4_000_000, status: 'held', createdAt: T0.toISOString() };
const jobCostItem = { pk: 'JOBCOST#job_1', sk: 'JOBCOST', jobId: 'job_1', renterId, cost: 1000, charges: 1, version: 1 };
const balanceItem = { pk: `BALANCE#${renterId}`, sk: 'BALANCE', balance: 10_000_000, held: 4_000_000, available: 6_000_000 };

beforeEach(() => {
  dynamo.reset();
});

describe('DynamoChargeStore.readForChunks', () => {
  it('reads the chunks, their jobs\' holds and totals and the renter\'s balance in one consistent BatchGetItem', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [balanceItem, jobCostItem, chunkItem, holdItem] } });

    const read = await store.readForChunks(['uch_1', 'uch_2'], ['job_1', 'job_2'], renterId);

    const calls = dynamo.commandCalls(BatchGetCommand);
    expect(calls).toHaveLength(1);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expect(calls[0]!.args[0].input.RequestItems?.[TABLE]).toEqual({
      ConsistentRead: true,
      Keys: [
        { pk: 'CHUNK#uch_1', sk: 'CHUNK' }, { pk: 'CHUNK#uch_2', sk: 'CHUNK' },
        { pk: 'HOLD#job_1', sk: 'HOLD' }, { pk: 'JOBCOST#job_1', sk: 'JOBCOST' },
        { pk: 'HOLD#job_2', sk: 'HOLD' }, { pk: 'JOBCOST#job_2', sk: 'JOBCOST' },
        { pk: `BALANCE#${renterId}`, sk: 'BALANCE' },
      ],
    });
    expect(read.charged.map((charge) => charge.chunkId)).toEqual(['uch_1']);
    expect([...read.holds.keys()]).toEqual(['job_1']);
    expect(read.holds.get('job_1')).toMatchObject({ amount: 4_000_000, status: 'held' });
    expect([...read.jobCosts.keys()]).toEqual(['job_1']);
    expect(read.jobCosts.get('job_1')).toMatchObject({ cost: 1000, version: 1 });
    expect(read.balance).toEqual({ accountId: renterId, balance: 10_000_000, held: 4_000_000, available: 6_000_000 });
  });

  it('reads keys DynamoDB left unprocessed again, and gives a renter without a balance item zero', async () => {
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'HOLD#job_1', sk: 'HOLD' }] } } })
      .resolves({ Responses: { [TABLE]: [holdItem] } });

    const read = await store.readForChunks(['uch_1'], ['job_1'], renterId);

    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(2);
    expect(read.charged).toEqual([]);
    expect(read.holds.get('job_1')).toMatchObject({ amount: 4_000_000 });
    expect(read.jobCosts.size).toBe(0);
    expect(read.balance).toEqual({ accountId: renterId, balance: 0, held: 0, available: 0 });
  });
});
