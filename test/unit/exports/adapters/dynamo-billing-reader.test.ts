import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_SHARDS, dayPartitions } from '#billing/domain/day-partitions.ts';
import { DynamoBillingReader, sliceByDay } from '#exports/adapters/dynamo-billing-reader.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documents);

afterAll(() => dynamo.restore());
beforeEach(() => dynamo.reset());

const charge = (usageRecordId: string, chargedAt: string) => ({
  gsi1sk: `${chargedAt}#${usageRecordId}`,
  usageRecordId, jobId: 'job_1', assignmentId: 'asg_1', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_1', gpuModel: 'RTX 4090',
  from: chargedAt, to: chargedAt, gpuSeconds: 60, pricePerGpuHour: 900_000, amount: 15_000, providerAmount: 13_500, fee: 1_500, chargedAt, txnId: `txn_${usageRecordId}`,
});

type Item = Record<string, unknown>;

/** Answers each partition's query with its own pages, in order (a page with more to come has a LastEvaluatedKey); other partitions are empty. */
const partitions = (pages: Record<string, Item[][]>) => {
  const served = new Map<string, number>();
  dynamo.on(QueryCommand).callsFake(async (input: { ExpressionAttributeValues?: Record<string, unknown> }) => {
    const pk = String(input.ExpressionAttributeValues?.[':pk']);
    const index = served.get(pk) ?? 0;
    served.set(pk, index + 1);
    const own = pages[pk] ?? [];
    return { Items: own[index] ?? [], ...(index + 1 < own.length ? { LastEvaluatedKey: { gsi1pk: pk, page: index + 1 } } : {}) };
  });
};

const collect = async <T>(pages: AsyncIterable<readonly T[]>): Promise<T[][]> => {
  const all: T[][] = [];
  for await (const page of pages) all.push([...page]);
  return all;
};

describe('DynamoBillingReader', () => {
  it('reads one key range per UTC day of the period and partition, `from` included and `to` left out, in the byType index', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    await collect(reader.usageCharges({ from: '2025-03-10T22:30:00.000Z', to: '2025-03-12T01:15:00.000Z' }));

    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(3 * (DAY_SHARDS + 1));
    expect(inputs.map((input) => input.ExpressionAttributeValues?.[':pk'])).toEqual([
      ...dayPartitions('CHARGES', '2025-03-10'), ...dayPartitions('CHARGES', '2025-03-11'), ...dayPartitions('CHARGES', '2025-03-12'),
    ]);
    expect(new Set(dayPartitions('CHARGES', '2025-03-10'))).toEqual(new Set(['CHARGES#2025-03-10', ...Array.from({ length: DAY_SHARDS }, (_, shard) => `CHARGES#2025-03-10#${shard}`)]));
    expect(inputs[0]).toMatchObject({
      TableName: 'gpuhive-test-billing',
      IndexName: 'byType',
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':from': '2025-03-10T22:30:00.000Z', ':to': '2025-03-11T00:00:00.000Z' },
    });
    // A page costs DynamoDB Local its own items only when the query has a limit.
    expect(inputs.every((input) => (input.Limit ?? 0) > 0)).toBe(true);
    expect(inputs[DAY_SHARDS + 1]?.ExpressionAttributeValues).toMatchObject({ ':from': '2025-03-11T00:00:00.000Z', ':to': '2025-03-12T00:00:00.000Z' });
    expect(inputs.at(-1)?.ExpressionAttributeValues).toMatchObject({ ':from': '2025-03-12T00:00:00.000Z', ':to': '2025-03-12T01:15:00.000Z' });
  });

  it('cuts a period at UTC midnights into slices that meet without overlap', () => {
    expect(sliceByDay({ from: '2025-03-10T23:59:59.999Z', to: '2025-03-12T00:00:00.000Z' })).toEqual([
      { from: '2025-03-10T23:59:59.999Z', to: '2025-03-11T00:00:00.000Z' },
      { from: '2025-03-11T00:00:00.000Z', to: '2025-03-12T00:00:00.000Z' },
    ]);
  });

  it('follows LastEvaluatedKey page by page and maps charges to usage rows', async () => {
    partitions({
      'CHARGES#2025-03-10#3': [[charge('use_1', '2025-03-10T10:00:00.000Z')], [{ ...charge('use_2', '2025-03-10T10:30:00.000Z'), gpuModel: undefined, txnId: undefined, amount: 0 }]],
    });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const pages = await collect(reader.usageCharges({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(pages.map((page) => page.map((row) => row.usageRecordId))).toEqual([['use_1'], ['use_2']]);
    expect(pages[0]?.[0]).toMatchObject({ amount: 15_000, providerAmount: 13_500, fee: 1_500, transactionId: 'txn_use_1', gpuModel: 'RTX 4090' });
    expect(pages[1]?.[0]).toMatchObject({ amount: 0, transactionId: null, gpuModel: null });
    const shard3 = dynamo.commandCalls(QueryCommand).filter((call) => call.args[0].input.ExpressionAttributeValues?.[':pk'] === 'CHARGES#2025-03-10#3');
    expect(shard3.map((call) => call.args[0].input.ExclusiveStartKey)).toEqual([undefined, { gsi1pk: 'CHARGES#2025-03-10#3', page: 1 }]);
  });

  it('merges a day\'s shards and its unsharded partition of before into one list in sort-key order, every row once', async () => {
    const at = (minute: number) => `2025-03-10T10:${String(minute).padStart(2, '0')}:00.000Z`;
    partitions({
      'CHARGES#2025-03-10': [[charge('use_00', at(0)), charge('use_05', at(5))]],
      'CHARGES#2025-03-10#0': [[charge('use_01', at(1)), charge('use_04', at(4))], [charge('use_07', at(7))]],
      'CHARGES#2025-03-10#5': [[charge('use_02', at(2))], [charge('use_03', at(3)), charge('use_06', at(6))], [charge('use_08', at(8))]],
      'CHARGES#2025-03-10#7': [[charge('use_09', at(9))]],
    });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const pages = await collect(reader.usageCharges({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(pages.flat().map((row) => row.usageRecordId)).toEqual(Array.from({ length: 10 }, (_, n) => `use_0${n}`));
  });

  it('expands a chunk\'s charge into one row per record, each with the chunk\'s job, host, price, time and transaction', async () => {
    const chargedAt = '2025-03-10T10:30:00.000Z';
    const line = (usageRecordId: string, from: string, to: string, amount: number) => ({ usageRecordId, gpuSeconds: 60, from, to, amount, providerAmount: amount - amount / 10, fee: amount / 10 });
    partitions({
      'CHARGES#2025-03-10#1': [[
          charge('use_0', '2025-03-10T10:00:00.000Z'),
          {
            gsi1sk: `${chargedAt}#uch_1`,
            chunkId: 'uch_1', jobId: 'job_2', assignmentId: 'asg_2', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_2', gpuModel: 'H100', pricePerGpuHour: 900_000,
            amount: 25_000, providerAmount: 22_500, fee: 2_500, chargedAt, txnId: 'txn_chunk',
            lines: [line('use_1', '2025-03-10T10:00:00.000Z', '2025-03-10T10:01:00.000Z', 15_000), line('use_2', '2025-03-10T10:01:00.000Z', '2025-03-10T10:02:00.000Z', 10_000)],
          },
      ]],
    });
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
    partitions({
      'LEDGER#2025-03-10#2': [[{ gsi1sk: '2025-03-10T10:00:00.000Z#ent_1', txnId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:00:00.000Z', accountId: 'acct_r', kind: 'usage_charge', amount: -15_000, reference: 'use_1' }]],
    });
    const reader = new DynamoBillingReader('gpuhive-test-billing', documents);

    const pages = await collect(reader.ledgerEntries({ from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T11:00:00.000Z' }));

    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':pk'])).toEqual(dayPartitions('LEDGER', '2025-03-10'));
    expect(pages).toEqual([[{ transactionId: 'txn_1', entryId: 'ent_1', postedAt: '2025-03-10T10:00:00.000Z', accountId: 'acct_r', kind: 'usage_charge', amount: -15_000, reference: 'use_1' }]]);
  });
});
