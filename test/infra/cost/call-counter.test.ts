import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  CallCounter,
  countSdkCalls,
  dynamoUnits,
  eventBridgeBillableEvents,
  sqsBillableRequests,
  UNSCOPED,
} from '#platform/call-counter.ts';

const KB = 1024;
const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * A client whose requests never leave the process: a last `initialize` middleware answers with
 * `output` and records the input it was handed, so the counting middleware runs in a real stack.
 */
const answering = <C extends DynamoDBClient | SQSClient | EventBridgeClient>(client: C, output: Record<string, unknown>) => {
  const seen: Record<string, unknown>[] = [];
  (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    () => async (args: { input: Record<string, unknown> }) => {
      seen.push(args.input);
      return { output: { $metadata: {}, ...output }, response: {} };
    },
    { step: 'initialize', name: 'answerLocally', priority: 'low' },
  );
  return { client, seen };
};

describe('sqsBillableRequests', () => {
  it('bills a small send as one request', () => {
    expect(sqsBillableRequests('SendMessage', { MessageBody: 'x'.repeat(100) }, undefined)).toBe(1);
  });

  it('bills each started 64 KB of a message as one more request', () => {
    expect(sqsBillableRequests('SendMessage', { MessageBody: 'x'.repeat(64 * KB + 1) }, undefined)).toBe(2);
  });

  it('bills a batch by its total payload', () => {
    const entries = Array.from({ length: 4 }, (_, i) => ({ Id: String(i), MessageBody: 'x'.repeat(30 * KB) }));
    expect(sqsBillableRequests('SendMessageBatch', { Entries: entries }, undefined)).toBe(2);
  });

  it('bills an empty receive as one request', () => {
    expect(sqsBillableRequests('ReceiveMessage', {}, { Messages: [] })).toBe(1);
  });

  it('bills a receive by the payload it returned', () => {
    expect(sqsBillableRequests('ReceiveMessage', {}, { Messages: [{ Body: 'x'.repeat(100 * KB) }] })).toBe(2);
  });

  it('bills any other operation as one request', () => {
    expect(sqsBillableRequests('GetQueueUrl', {}, {})).toBe(1);
  });
});

describe('eventBridgeBillableEvents', () => {
  it('bills each entry of a PutEvents as one event', () => {
    const entries = [{ Source: 'gpuhive.registry', DetailType: 'host.registered', Detail: '{}' }, { Source: 's', DetailType: 'd', Detail: '{}' }];
    expect(eventBridgeBillableEvents('PutEvents', { Entries: entries })).toBe(2);
  });

  it('bills a large entry per started 64 KB', () => {
    expect(eventBridgeBillableEvents('PutEvents', { Entries: [{ Source: 's', DetailType: 'd', Detail: 'x'.repeat(100 * KB) }] })).toBe(2);
  });
});

describe('dynamoUnits', () => {
  it('counts an on-demand read\'s capacity units as read units', () => {
    expect(dynamoUnits('GetItem', { ConsumedCapacity: { TableName: 't', CapacityUnits: 1 } })).toEqual({ readUnits: 1, writeUnits: 0, tables: { t: { readUnits: 1, writeUnits: 0 } } });
  });

  it('counts a write\'s capacity units, indexes included, as write units', () => {
    const output = { ConsumedCapacity: { TableName: 't', CapacityUnits: 6, Table: { CapacityUnits: 2 }, GlobalSecondaryIndexes: { g: { CapacityUnits: 4 } } } };
    expect(dynamoUnits('PutItem', output)).toEqual({ readUnits: 0, writeUnits: 6, tables: { t: { readUnits: 0, writeUnits: 6 } } });
  });

  it('sums a transaction\'s capacity over its tables, and keeps each table\'s share', () => {
    const output = { ConsumedCapacity: [{ TableName: 'a', CapacityUnits: 4 }, { TableName: 'b', CapacityUnits: 2 }] };
    expect(dynamoUnits('TransactWriteItems', output)).toEqual({
      readUnits: 0,
      writeUnits: 6,
      tables: { a: { readUnits: 0, writeUnits: 4 }, b: { readUnits: 0, writeUnits: 2 } },
    });
  });

  it('counts nothing when the service reported nothing', () => {
    expect(dynamoUnits('PutItem', {})).toEqual({ readUnits: 0, writeUnits: 0, tables: {} });
  });
});

describe('CallCounter', () => {
  it('counts nothing until started', async () => {
    const counter = new CallCounter();
    counter.recordApiRequest('GET /v1/hosts');
    await counter.invocation('functions/x.ts', async () => counter.recordSdkCall('SQS', 'ReceiveMessage'));
    expect(counter.snapshot()).toEqual({ apiRequests: {}, scopes: {} });
  });

  it('counts API requests by route key', () => {
    const counter = new CallCounter();
    counter.start();
    counter.recordApiRequest('POST /v1/agent/heartbeat');
    counter.recordApiRequest('POST /v1/agent/heartbeat');
    expect(counter.stop().apiRequests).toEqual({ 'POST /v1/agent/heartbeat': 2 });
  });

  it('attributes SDK calls to the invocation they run in', async () => {
    const counter = new CallCounter();
    counter.start();
    await counter.invocation('functions/registry/heartbeat.ts', async () => {
      await Promise.resolve();
      counter.recordSdkCall('DynamoDB', 'PutItem', { writeUnits: 3 });
    });
    expect(counter.stop().scopes['functions/registry/heartbeat.ts']).toMatchObject({
      invocations: 1,
      sdk: { 'DynamoDB.PutItem': { calls: 1, billableRequests: 1, readUnits: 0, writeUnits: 3 } },
    });
  });

  it('counts calls made outside any function as unscoped', () => {
    const counter = new CallCounter();
    counter.start();
    counter.recordSdkCall('SQS', 'ReceiveMessage');
    expect(Object.keys(counter.stop().scopes)).toEqual([UNSCOPED]);
  });

  it('attributes log bytes to the current scope', () => {
    const counter = new CallCounter();
    counter.start();
    counter.within('agent', () => counter.recordLogBytes(120));
    expect(counter.stop().scopes.agent?.logBytes).toBe(120);
  });
});

describe('countSdkCalls', () => {
  it('counts a document client\'s put as DynamoDB.PutItem with the units the service reported', async () => {
    const counter = new CallCounter();
    const { client } = answering(countSdkCalls(new DynamoDBClient({ region, credentials }), counter), {
      ConsumedCapacity: { TableName: 't', CapacityUnits: 5 },
    });
    counter.start();
    await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 't', Item: { pk: 'a' } }));
    expect(counter.stop().scopes[UNSCOPED]?.sdk).toEqual({
      'DynamoDB.PutItem': { calls: 1, billableRequests: 1, readUnits: 0, writeUnits: 5, tables: { t: { readUnits: 0, writeUnits: 5 } } },
    });
  });

  it('asks DynamoDB for the capacity it consumed, indexes included, while counting', async () => {
    const counter = new CallCounter();
    const { client, seen } = answering(countSdkCalls(new DynamoDBClient({ region, credentials }), counter), {});
    counter.start();
    await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 't', Item: { pk: 'a' } }));
    expect(seen[0]?.ReturnConsumedCapacity).toBe('INDEXES');
  });

  it('leaves requests untouched while the counter is off', async () => {
    const counter = new CallCounter();
    const { client, seen } = answering(countSdkCalls(new DynamoDBClient({ region, credentials }), counter), {});
    await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 't', Item: { pk: 'a' } }));
    expect(seen[0]?.ReturnConsumedCapacity).toBeUndefined();
  });

  it('counts SQS requests in 64 KB chunks', async () => {
    const counter = new CallCounter();
    const body = 'x'.repeat(65 * KB);
    const md5 = createHash('md5').update(body).digest('hex');
    const { client } = answering(countSdkCalls(new SQSClient({ region, credentials }), counter), { MessageId: 'm', MD5OfMessageBody: md5 });
    counter.start();
    await client.send(new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', MessageBody: body }));
    expect(counter.stop().scopes[UNSCOPED]?.sdk['SQS.SendMessage']).toEqual({ calls: 1, billableRequests: 2, readUnits: 0, writeUnits: 0 });
  });

  it('counts an empty long poll as one SQS request', async () => {
    const counter = new CallCounter();
    const { client } = answering(countSdkCalls(new SQSClient({ region, credentials }), counter), { Messages: [] });
    counter.start();
    await counter.within('agent', () => client.send(new ReceiveMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', WaitTimeSeconds: 20 })));
    expect(counter.stop().scopes.agent?.sdk['SQS.ReceiveMessage']?.billableRequests).toBe(1);
  });

  it('counts EventBridge events per entry', async () => {
    const counter = new CallCounter();
    const { client } = answering(countSdkCalls(new EventBridgeClient({ region, credentials }), counter), { FailedEntryCount: 0, Entries: [] });
    counter.start();
    await client.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }, { Source: 's', DetailType: 'd', Detail: '{}' }] }));
    expect(counter.stop().scopes[UNSCOPED]?.sdk['EventBridge.PutEvents']?.billableRequests).toBe(2);
  });
});
