import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { newEvent, type DomainEvent } from '#events/define.ts';
import { events } from '#events/index.ts';
import { Outbox, outboxBatchPut, PENDING } from '#platform/outbox.ts';
import { at, T0, silentLogger } from '#test/support/factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
const dynamo = mockClient(documents);
const bus = mockClient(eventBridge);

const NOW = at(T0, 90);
/** The waits before refused entries are sent again, which the tests record rather than wait out. */
const waits: number[] = [];
const noWait = async (ms: number) => {
  waits.push(ms);
};
const outbox = new Outbox({ tableName: 'accounts-table', busName: 'gpuhive-test', documents, eventBridge, logger: silentLogger(), now: () => NOW, sleep: noWait });

/** PutEvents that refuses the entries of the accounts named, every time they are sent. */
const refusing = (...names: string[]) => (input: { Entries: { Detail?: string }[] }) => {
  const refused = input.Entries.map((entry) => names.some((name) => entry.Detail?.includes(`"acct_${name}"`)));
  return {
    FailedEntryCount: refused.filter(Boolean).length,
    Entries: refused.map((no, i) => (no ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: `eb-${i}` })),
  };
};

const accountCreated = (name: string): DomainEvent =>
  newEvent(events.accountCreated, { accountId: `acct_${name}`, kind: 'renter', name }, T0);

const stateItem = { Put: { TableName: 'accounts-table', Item: { pk: 'ACCOUNT#acct_ada', sk: 'ACCOUNT', name: 'Ada' } } };

beforeEach(() => {
  waits.length = 0;
  dynamo.reset();
  bus.reset();
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  bus.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `eb-${i}` })) }));
});

describe('Outbox.commit', () => {
  it('writes the state items and one pending outbox item per event in one transaction', async () => {
    const [first, second] = [accountCreated('ada'), accountCreated('bob')];

    await outbox.commit([stateItem], [first!, second!]);

    const writes = dynamo.commandCalls(TransactWriteCommand);
    expect(writes).toHaveLength(1);
    const items = writes[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual(stateItem);
    expect(items.slice(1).map((item) => item.Put?.Item)).toEqual(
      [first!, second!].map((event) => ({
        pk: `OUTBOX#${event.detail.eventId}`,
        sk: 'OUTBOX',
        source: 'gpuhive.accounts',
        detailType: 'account.created',
        detail: JSON.stringify(event.detail),
        createdAt: T0.toISOString(),
        outboxBucket: PENDING,
      })),
    );
    expect(items[1]!.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('publishes the events to the bus after the transaction', async () => {
    const event = accountCreated('ada');

    await outbox.commit([stateItem], [event]);

    const [put] = bus.commandCalls(PutEventsCommand);
    expect(put!.args[0].input.Entries).toEqual([
      {
        EventBusName: 'gpuhive-test',
        Source: 'gpuhive.accounts',
        DetailType: 'account.created',
        Detail: JSON.stringify(event.detail),
        Time: T0,
      },
    ]);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]!.calledBefore(put!)).toBe(true);
    expect(put!.calledBefore(dynamo.commandCalls(TransactWriteCommand)[0]!)).toBe(false);
  });

  it('marks each published event sent in the bucket of the current hour', async () => {
    const event = accountCreated('ada');

    await outbox.commit([stateItem], [event]);

    const marks = dynamo.commandCalls(UpdateCommand);
    expect(marks).toHaveLength(1);
    const input = marks[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: `OUTBOX#${event.detail.eventId}`, sk: 'OUTBOX' });
    expect(input.ExpressionAttributeValues?.[':bucket']).toBe('sent#2025-03-10T10');
    expect(input.ExpressionAttributeValues?.[':now']).toBe(NOW.toISOString());
    expect(bus.commandCalls(PutEventsCommand)[0]!.calledBefore(marks[0]!)).toBe(true);
  });

  it('does not throw and marks nothing when PutEvents fails after the commit: the sweep sends them', async () => {
    bus.on(PutEventsCommand).rejects(new Error('EventBridge unavailable'));

    await expect(outbox.commit([stateItem], [accountCreated('ada')])).resolves.toBeUndefined();

    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('sends an entry EventBridge refused again, alone, and marks it sent once accepted', async () => {
    const [refusedOnce, accepted] = [accountCreated('ada'), accountCreated('bob')];
    bus.on(PutEventsCommand).callsFakeOnce(refusing('ada')).callsFake(refusing());

    await outbox.commit([stateItem], [refusedOnce!, accepted!]);

    const sentDetails = bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.map((entry) => JSON.parse(entry.Detail!).accountId));
    expect(sentDetails).toEqual([['acct_ada', 'acct_bob'], ['acct_ada']]);
    expect(waits).toHaveLength(1);
    const marked = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key?.pk);
    expect(marked.sort()).toEqual([`OUTBOX#${accepted!.detail.eventId}`, `OUTBOX#${refusedOnce!.detail.eventId}`].sort());
  });

  it('leaves an entry EventBridge refused three times pending and marks the others', async () => {
    const [refused, accepted] = [accountCreated('ada'), accountCreated('bob')];
    bus.on(PutEventsCommand).callsFake(refusing('ada'));

    await outbox.commit([stateItem], [refused!, accepted!]);

    expect(bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([2, 1, 1]);
    // Jittered waits under 100 and 200 ms.
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    const marked = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key?.pk);
    expect(marked).toEqual([`OUTBOX#${accepted!.detail.eventId}`]);
  });

  it('warns with the event ids and codes EventBridge refused: nothing throws for them, and they wait for the sweep', async () => {
    const warnings: unknown[][] = [];
    const logger = new (class extends Logger {
      override warn(...args: Parameters<Logger['warn']>): void {
        warnings.push(args);
      }
    })({ logLevel: 'SILENT' });
    const watched = new Outbox({ tableName: 'accounts-table', busName: 'gpuhive-test', documents, eventBridge, logger, now: () => NOW, sleep: noWait });
    const [refused, accepted] = [accountCreated('ada'), accountCreated('bob')];
    bus.on(PutEventsCommand).callsFake(refusing('ada'));

    await watched.commit([stateItem], [accepted!, refused!]);

    expect(warnings).toEqual([[expect.stringContaining('refused'), { refusals: [{ eventId: refused!.detail.eventId, errorCode: 'InternalFailure' }] }]]);
  });

  it('refuses an event that fails its schema before writing anything', async () => {
    const invalid: DomainEvent = { ...accountCreated('ada'), detail: { ...accountCreated('ada').detail, kind: 'landlord' } };

    await expect(outbox.commit([stateItem], [invalid])).rejects.toThrow();

    expect(dynamo.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('refuses an event no definition knows before writing anything', async () => {
    const unknown: DomainEvent = { ...accountCreated('ada'), detailType: 'account.exploded' };

    await expect(outbox.commit([stateItem], [unknown])).rejects.toThrow('Unknown event');

    expect(dynamo.calls()).toHaveLength(0);
  });

  it('lets a failed transaction fail the commit and publishes nothing', async () => {
    dynamo.on(TransactWriteCommand).rejects(new Error('TransactionCanceledException'));

    await expect(outbox.commit([stateItem], [accountCreated('ada')])).rejects.toThrow('TransactionCanceledException');

    expect(bus.calls()).toHaveLength(0);
  });
});

describe('Outbox.publish', () => {
  it('sends at most ten events per PutEvents call', async () => {
    const many = Array.from({ length: 23 }, (_, i) => accountCreated(`user${i}`));

    const sent = await outbox.publish(many);

    expect(sent).toBe(23);
    expect(bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
  });
});

describe('Outbox batch items', () => {
  it('keeps the events of one transaction in one pending item keyed by the first event', () => {
    const batch = Array.from({ length: 3 }, (_, i) => accountCreated(`user${i}`));

    const item = outboxBatchPut('accounts-table', batch).Put!.Item!;

    expect(item).toMatchObject({ pk: `OUTBOX#${batch[0]!.detail.eventId}`, sk: 'OUTBOX', outboxBucket: PENDING, createdAt: batch[0]!.detail.occurredAt });
    expect(JSON.parse(item.events as string).map((event: DomainEvent) => event.detail)).toEqual(batch.map((event) => event.detail));
  });

  it('publishes a batch in PutEvents of ten and marks its one item sent once', async () => {
    const batch = Array.from({ length: 23 }, (_, i) => accountCreated(`user${i}`));

    await outbox.publishCommittedBatch(batch);

    expect(bus.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: `OUTBOX#${batch[0]!.detail.eventId}`, sk: 'OUTBOX' }]);
  });

  it('leaves a batch pending when EventBridge kept refusing one of its events', async () => {
    bus.on(PutEventsCommand).callsFake(refusing('bob'));

    await outbox.publishCommittedBatch([accountCreated('ada'), accountCreated('bob')]);

    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('republishes every event of a pending batch item and marks the item', async () => {
    const batch = [accountCreated('ada'), accountCreated('bob')];
    dynamo.on(QueryCommand).resolves({ Items: [outboxBatchPut('accounts-table', batch).Put!.Item!] });

    const sent = await outbox.sweepPending(60);

    expect(sent).toBe(2);
    expect(bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!.map((entry) => JSON.parse(entry.Detail!))).toEqual(batch.map((event) => event.detail));
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: `OUTBOX#${batch[0]!.detail.eventId}`, sk: 'OUTBOX' }]);
  });
});

describe('Outbox.sweepPending', () => {
  it('queries the outbox index for pending events older than the cutoff', async () => {
    await outbox.sweepPending(60);

    const [query] = dynamo.commandCalls(QueryCommand);
    expect(query!.args[0].input).toMatchObject({
      TableName: 'accounts-table',
      IndexName: 'outbox',
      ExpressionAttributeValues: { ':bucket': 'pending', ':before': at(NOW, -60).toISOString() },
    });
  });

  it('republishes what it finds and marks it sent', async () => {
    const stuck = accountCreated('ada');
    dynamo.on(QueryCommand).resolves({
      Items: [{ source: stuck.source, detailType: stuck.detailType, detail: JSON.stringify(stuck.detail), outboxBucket: PENDING }],
    });

    const sent = await outbox.sweepPending(60);

    expect(sent).toBe(1);
    expect(JSON.parse(bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!)).toEqual(stuck.detail);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toEqual({ pk: `OUTBOX#${stuck.detail.eventId}`, sk: 'OUTBOX' });
  });

  it('follows the query pages to the end', async () => {
    const [a, b] = [accountCreated('ada'), accountCreated('bob')];
    const row = (event: DomainEvent) => ({ source: event.source, detailType: event.detailType, detail: JSON.stringify(event.detail) });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [row(a!)], LastEvaluatedKey: { pk: 'page-1' } })
      .resolvesOnce({ Items: [row(b!)] });

    const sent = await outbox.sweepPending(60);

    expect(sent).toBe(2);
    expect(dynamo.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: 'page-1' });
  });
});

describe('Outbox.republishSentSince', () => {
  it('queries each hour bucket from the hour of `since` to now, and only what was sent since then and before this call', async () => {
    const since = at(NOW, -3 * 3600);

    await outbox.republishSentSince(since);

    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    const hours = [3, 2, 1, 0].map((back) => `sent#${at(NOW, -back * 3600).toISOString().slice(0, 13)}`);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':bucket'])).toEqual(hours);
    for (const query of queries) {
      expect(query).toMatchObject({ IndexName: 'outbox', FilterExpression: 'sentAt >= :sentSince AND sentAt < :sentBefore' });
      // Events republished by this very call land in the current hour's bucket, sent at NOW: not picked up again.
      expect(query.ExpressionAttributeValues).toMatchObject({ ':sentSince': since.toISOString(), ':sentBefore': NOW.toISOString(), ':before': NOW.toISOString() });
    }
  });
});
