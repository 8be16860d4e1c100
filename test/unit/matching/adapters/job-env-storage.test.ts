import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoJobStore } from '#matching/adapters/dynamo-matching-store.ts';
import type { Outbox } from '#platform/outbox.ts';
import { aJob, JOB_ID } from '#test/support/matching-factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documents);
const store = new DynamoJobStore('matching', documents, {} as Outbox);

const itemWith = (spec: Record<string, unknown>) => {
  const { spec: _spec, ...job } = aJob();
  return { pk: `JOB#${JOB_ID}`, sk: 'JOB', gsi1pk: 'RENTER#x', gsi1sk: 'y', ...job, spec: { ...aJob().spec, env: undefined, ...spec } };
};

beforeEach(() => dynamo.reset());

describe("reading a job's env from the matching table", () => {
  it('reads the [name, value] pairs items are written with, every POSIX name included', async () => {
    dynamo.on(GetCommand).resolves({ Item: itemWith({ envPairs: [['constructor', 'c'], ['__proto__', 'p'], ['PATH_EXTRA', '/opt']] }) });

    const job = await store.get(JOB_ID);

    expect(Object.entries(job?.spec.env ?? {})).toEqual([['constructor', 'c'], ['__proto__', 'p'], ['PATH_EXTRA', '/opt']]);
    expect(job?.spec).not.toHaveProperty('envPairs');
  });

  it('still reads an item written before, with env as a map', async () => {
    dynamo.on(GetCommand).resolves({ Item: itemWith({ env: { EPOCHS: '3', LR: '0.1' } }) });

    const job = await store.get(JOB_ID);

    expect(job?.spec.env).toEqual({ EPOCHS: '3', LR: '0.1' });
  });

  it('reads an old item without env as an empty env', async () => {
    dynamo.on(GetCommand).resolves({ Item: itemWith({}) });

    expect((await store.get(JOB_ID))?.spec.env).toEqual({});
  });
});
