import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoBillingReader, sliceByHour } from '#exports/adapters/dynamo-billing-reader.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documents);

afterAll(() => dynamo.restore());
beforeEach(() => dynamo.reset());

const charge = (usageRecordId: string, chargedAt: string) => ({
  usageRecordId, jobId: 'job_1', assignmentId: 'asg_1', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_1', gpuModel: 'RTX 4090',
  from: chargedAt, to: chargedAt, gpuSeconds: 60, pricePerGpuHour: 900_000, amount: 15_000, providerAmount: 13_500, fee: 1_500, chargedAt, txnId: `txn_${usageRecordId}`,
});

const collect = async <T>(pages: AsyncIterable<readonly T[]>): Promise<T[][]> => {
  const all: T[][] = [];
  for await (const page of pages) all.push([...page]);
  return all;
};

describe('DynamoBillingReader', () => {
  it('reads one key range per UTC hour of the period, `from` included and `to` left out, in the byType index', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    await collect(reader.usageCharges({ from: '2025-03-10T22:30:00.000Z', to: '2025-03-12T01:15:00.000Z' }));

    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2 + 24 + 2);
    expect(inputs.map((input) => input.ExpressionAttributeValues?.[':pk'])).toEqual([
      ...Array(2).fill('CHARGES#2025-03-10'), ...Array(24).fill('CHARGES#2025-03-11'), ...Array(2).fill('CHARGES#2025-03-12'),
    ]);
    expect(inputs[0]).toMatchObject({
      TableName: 'gpuhive-test-billing',
      IndexName: 'byType',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':from': '2025-03-10T22:30:00.000Z', ':to': '2025-03-10T23:00:00.000Z' },
    });
    expect(inputs[2]?.ExpressionAttributeValues).toMatchObject({ ':from': '2025-03-11T00:00:00.000Z', ':to': '2025-03-11T01:00:00.000Z' });
    expect(inputs.at(-1)?.ExpressionAttributeValues).toMatchObject({ ':from': '2025-03-12T01:00:00.000Z', ':to': '2025-03-12T01:15:00.000Z' });
  });

  it('cuts a period at whole hours into slices that meet without overlap', () => {
    expect(sliceByHour({ from: '2025-03-10T10:59:59.999Z', to: '2025-03-10T12:00:00.000Z' })).toEqual([
      { from: '2025-03-10T10:59:59.999Z', to: '2025-03-10T11:00:00.000Z' },
      { from: '2025-03-10T11:00:00.000Z', to: '2025-03-10T12:00:00.000Z' },
    ]);
  });

  it('follows LastEvaluatedKey page by page and maps charges to usage rows', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [charge('use_1', '2025-03-10T10:00:00.000Z')], LastEvaluatedKey: { pk: 'CHARGE#use_1' } })
      .resolvesOnce({ Items: [{ ...charge('use_2', '2025-03-10T11:00:00.000Z'), gpuModel: undefined, txnId: undefined, amount: 0 }] })
      .resolves({ Items: [] });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const pages = await collect(reader.usageCharges({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(pages.map((page) => page.map((row) => row.usageRecordId))).toEqual([['use_1'], ['use_2']]);
    expect(pages[0]?.[0]).toMatchObject({ amount: 15_000, providerAmount: 13_500, fee: 1_500, transactionId: 'txn_use_1', gpuModel: 'RTX 4090' });
    expect(pages[1]?.[0]).toMatchObject({ amount: 0, transactionId: null, gpuModel: null });
    expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: 'CHARGE#use_1' });
  });

  it('expands a chunk\'s charge into one row per record, each with the chunk\'s job, host, price, time and transaction', async () => {
    const chargedAt = '2025-03-10T10:30:00.000Z';
    const line = (usageRecordId: string, from: string, to: string, amount: number) => ({ usageRecordId, gpuSeconds: 60, from, to, amount, providerAmount: amount - amount / 10, fee: amount / 10 });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          charge('use_0', '2025-03-10T10:00:00.000Z'),
          {
            chunkId: 'uch_1', jobId: 'job_2', assignmentId: 'asg_2', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_2', gpuModel: 'H100', pricePerGpuHour: 900_000,
            amount: 25_000, providerAmount: 22_500, fee: 2_500, chargedAt, txnId: 'txn_chunk',
            lines: [line('use_1', '2025-03-10T10:00:00.000Z', '2025-03-10T10:01:00.000Z', 15_000), line('use_2', '2025-03-10T10:01:00.000Z', '2025-03-10T10:02:00.000Z', 10_000)],
          },
        ],
      })
      .resolves({ Items: [] });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const [page] = await collect(reader.usageCharges({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(page?.map((row) => [row.usageRecordId, row.jobId, row.amount, row.transactionId])).toEqual([
      ['use_0', 'job_1', 15_000, 'txn_use_0'],
      ['use_1', 'job_2', 15_000, 'txn_chunk'],
      ['use_2', 'job_2', 10_000, 'txn_chunk'],
    ]);
    expect(page?.[2]).toEqual({
      usageRecordId: 'use_2', jobId: 'job_2', assignmentId: 'asg_2', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_2', gpuModel: 'H100',
      from: '2025-03-10T10:01:00.000Z', to: '2025-03-10T10:02:00.000Z', gpuSeconds: 60, pricePerGpuHour: 900_000,
      amount: 10_000, providerAmount: 9_000, fee: 1_000, chargedAt, transactionId: 'txn_chunk',
    });
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeNames).toEqual(expect.objectContaining({ '#a17': 'lines' }));
  });

  it('reads ledger entries by day with their signed amounts', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [{ txnId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:00:00.000Z', accountId: 'acct_r', kind: 'usage_charge', amount: -15_000, reference: 'use_1' }],
    });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const pages = await collect(reader.ledgerEntries({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':pk']).toBe('LEDGER#2025-03-10');
    expect(pages).toEqual([[{ transactionId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:00:00.000Z', accountId: 'acct_r', kind: 'usage_charge', amount: -15_000, reference: 'use_1' }]]);
  });
});
