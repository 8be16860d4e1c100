import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { newEvent } from '#events/define.ts';
import { events } from '#events/index.ts';
import { microUsd } from '#platform/money.ts';
import { Outbox } from '#platform/outbox.ts';
import { DynamoHoldStore } from '#billing/adapters/dynamo-hold-store.ts';
import type { Hold } from '#billing/domain/hold.ts';
import { T0, at, silentLogger } from '#test/support/factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
const dynamo = mockClient(documents);
const bus = mockClient(eventBridge);
const TABLE = 'billing-table';
const outbox = new Outbox({ tableName: TABLE, busName: 'gpuhive-test', documents, eventBridge, logger: silentLogger(), now: () => T0 });
const store = new DynamoHoldStore(TABLE, documents, outbox);

const renterId = 'acct_renter000000001';
const hold: Hold = { jobId: 'job_1', accountId: renterId, amount: microUsd(4_000_000), status: 'held', createdAt: T0.toISOString() };
const held = newEvent(events.fundsHeld, { jobId: 'job_1', renterId, amount: 4_000_000 }, T0);

const cancelled = (reasons: { Code: string; Item?: Record<string, unknown> }[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons as never });

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

describe('DynamoHoldStore.place', () => {
  it('guards the balance with available >= amount, adds the hold, its renewal pointer and funds.held in one transaction', async () => {
    const result = await store.place(hold, held);

    expect(result).toEqual({ outcome: 'placed' });
    const [update, put, pointer, event] = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(update?.Update).toMatchObject({
      Key: { pk: `BALANCE#${renterId}`, sk: 'BALANCE' },
      UpdateExpression: 'ADD held :amount, available :minusAmount SET updatedAt = :now',
      ConditionExpression: 'available >= :amount',
      ExpressionAttributeValues: { ':amount': 4_000_000, ':minusAmount': -4_000_000, ':now': T0.toISOString() },
    });
    expect(put?.Put).toMatchObject({
      Item: { pk: 'HOLD#job_1', sk: 'HOLD', status: 'held', amount: 4_000_000, gsi1pk: `HOLDS#${renterId}` },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(pointer?.Put?.Item).toMatchObject({ pk: 'RENEWAL#job_1', sk: 'RENEWAL', jobId: 'job_1', accountId: renterId, gsi1pk: expect.stringMatching(/^RENEWALS#[0-7]$/) });
    expect(event?.Put?.Item).toMatchObject({ pk: `OUTBOX#${held.detail.eventId}`, detailType: 'funds.held' });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('reports what was available, from the balance as it was, when funds fall short', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed', Item: { available: { N: '2500000' } } }, { Code: 'None' }, { Code: 'None' }]));

    expect(await store.place(hold, held)).toEqual({ outcome: 'insufficient_funds', available: 2_500_000 });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('reports 0 available for an account without a balance item', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }]));

    expect(await store.place(hold, held)).toEqual({ outcome: 'insufficient_funds', available: 0 });
  });

  it('reports an existing hold before short funds, so a redelivery never refuses a held job', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));

    expect(await store.place(hold, held)).toEqual({ outcome: 'exists' });
  });

  it('retries a transaction that conflicted with another on the same balance', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]))
      .rejectsOnce(cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]))
      .resolves({});

    expect(await store.place(hold, held)).toEqual({ outcome: 'placed' });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(3);
  });

  it('lets any other failure through, for the queue to retry', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('throttled'));

    await expect(store.place(hold, held)).rejects.toThrow('throttled');
  });
});

describe('DynamoHoldStore.release', () => {
  it('releases only a held hold still of the amount read, and gives that amount back to available, in one transaction', async () => {
    expect(await store.release(hold, at(T0, 60))).toBe(true);

    const [holdUpdate, balanceUpdate, pointer] = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(holdUpdate?.Update).toMatchObject({
      Key: { pk: 'HOLD#job_1', sk: 'HOLD' },
      UpdateExpression: 'SET #status = :released, releasedAt = :now REMOVE gsi1pk, gsi1sk',
      ConditionExpression: '#status = :held AND amount = :amount',
      ExpressionAttributeValues: { ':amount': 4_000_000 },
    });
    expect(balanceUpdate?.Update).toMatchObject({
      Key: { pk: `BALANCE#${renterId}`, sk: 'BALANCE' },
      UpdateExpression: 'ADD held :minusAmount, available :amount SET updatedAt = :now',
      ExpressionAttributeValues: { ':amount': 4_000_000, ':minusAmount': -4_000_000 },
    });
    expect(pointer?.Delete).toMatchObject({ Key: { pk: 'RENEWAL#job_1', sk: 'RENEWAL' } });
  });

  it('answers false when another delivery released it first, or a charge used part of it', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));

    expect(await store.release(hold, at(T0, 60))).toBe(false);
  });
});

describe('DynamoHoldStore.keepUntil', () => {
  it('marks a held hold kept until the given time, leaving its amount, balance and renewal pointer as they are', async () => {
    expect(await store.keepUntil(hold, at(T0, 35))).toBe(true);

    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'HOLD#job_1', sk: 'HOLD' },
      UpdateExpression: 'SET keptUntil = :until',
      ConditionExpression: '#status = :held',
      ExpressionAttributeValues: { ':until': at(T0, 35).toISOString(), ':held': 'held' },
    });
    expect(dynamo.commandCalls(TransactWriteCommand)).toEqual([]);
  });

  it('answers false when the hold is no longer held', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await store.keepUntil(hold, at(T0, 35))).toBe(false);
  });
});

describe('DynamoHoldStore.renew', () => {
  it('adds to the hold only while it is unchanged and not exhausted, guarded by available >= amount, in one transaction', async () => {
    expect(await store.renew(hold, microUsd(1_500_000), at(T0, 60))).toBe('renewed');

    const [holdUpdate, balanceUpdate, ...rest] = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(holdUpdate?.Update).toMatchObject({
      Key: { pk: 'HOLD#job_1', sk: 'HOLD' },
      UpdateExpression: 'ADD amount :amount SET updatedAt = :now',
      ConditionExpression: '#status = :held AND amount = :before AND attribute_not_exists(exhaustedAt)',
      ExpressionAttributeValues: { ':amount': 1_500_000, ':before': 4_000_000 },
    });
    expect(balanceUpdate?.Update).toMatchObject({
      Key: { pk: `BALANCE#${renterId}`, sk: 'BALANCE' },
      UpdateExpression: 'ADD held :amount, available :minusAmount SET updatedAt = :now',
      ConditionExpression: 'available >= :amount',
      ExpressionAttributeValues: { ':amount': 1_500_000, ':minusAmount': -1_500_000 },
    });
    expect(rest).toEqual([]);
  });

  it('marks the hold exhausted and commits funds.exhausted with the last of the funds', async () => {
    const exhausted = newEvent(events.fundsExhausted, { jobId: 'job_1', renterId, amount: 3_000_000, available: 200_000, reason: 'insufficient_funds' }, T0);

    expect(await store.renew(hold, microUsd(200_000), at(T0, 60), exhausted)).toBe('renewed');

    const [holdUpdate, , event] = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(holdUpdate?.Update?.UpdateExpression).toBe('ADD amount :amount SET updatedAt = :now, exhaustedAt = :now');
    expect(event?.Put?.Item).toMatchObject({ pk: `OUTBOX#${exhausted.detail.eventId}`, detailType: 'funds.exhausted' });
  });

  it('answers stale when the hold or the balance moved since they were read', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));

    expect(await store.renew(hold, microUsd(1_500_000), at(T0, 60))).toBe('stale');
  });

  it('writes nothing for a renewal of nothing', async () => {
    expect(await store.renew(hold, microUsd(0), at(T0, 60))).toBe('renewed');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('DynamoHoldStore.markEndedBeforeHold', () => {
  it('writes a released marker of amount 0 only where the job has no hold', async () => {
    dynamo.on(PutCommand).resolves({});

    expect(await store.markEndedBeforeHold('job_1', renterId, T0)).toBe(true);
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      Item: { pk: 'HOLD#job_1', sk: 'HOLD', status: 'released', amount: 0, endedBeforeHold: true },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('answers false when the hold was placed meanwhile', async () => {
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    expect(await store.markEndedBeforeHold('job_1', renterId, T0)).toBe(false);
  });
});
