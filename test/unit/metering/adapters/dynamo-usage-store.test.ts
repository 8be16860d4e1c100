import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { usageEventId } from '#agent/usage/meter.ts';
import { fromGroupedRecord } from '#metering/adapters/codecs.ts';
import { DynamoUsageStore } from '#metering/adapters/dynamo-usage-store.ts';
import { recordPlace } from '#metering/adapters/items.ts';
import type { UsagePlan } from '#metering/ports.ts';
import { Outbox } from '#platform/outbox.ts';
import { T0, silentLogger } from '#test/support/factories.ts';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(documents);
const TABLE = 'metering-table';
const outbox = new Outbox({ tableName: TABLE, busName: 'gpuhive-test', documents, eventBridge: new EventBridgeClient({ region: 'us-east-1' }), logger: silentLogger(), now: () => T0 });
const store = new DynamoUsageStore(TABLE, documents, outbox);

type Planned = UsagePlan['records'][number];
const planned = (seq: number, extra: Partial<Planned> = {}): Planned => ({
  eventId: usageEventId(seq), assignmentId: 'asg_1', hostId: 'host_1', from: T0.toISOString(), to: T0.toISOString(), gpuSeconds: 1,
  receivedAt: T0.toISOString(), status: 'accepted', usageRecordId: `use_${seq}`, gpuMs: 1000, clipped: [], judgedAt: T0.toISOString(), previous: 'none', ...extra,
});
const range = (from: number, count: number, extra: Partial<Planned> = {}) => Array.from({ length: count }, (_, index) => planned(from + index, extra));
const plan = (records: Planned[]): UsagePlan => ({ records, summaries: [], hours: [], events: [] });
const written = async (records: Planned[]) => {
  dynamo.on(TransactWriteCommand).resolves({});
  expect(await store.commit(plan(records), { publish: false })).toBe('committed');
  return dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems ?? [];
};

beforeEach(() => {
  dynamo.reset();
});

describe('DynamoUsageStore.commit: record groups', () => {
  it('writes a whole group of fresh records as one Put conditioned on its key, each record as JSON text', async () => {
    const [item, ...rest] = await written(range(120, 10));

    expect(rest).toEqual([]);
    expect(item?.Update).toBeUndefined();
    expect(item?.Put).toMatchObject({ TableName: TABLE, ConditionExpression: 'attribute_not_exists(pk)' });
    const attributes = Object.keys(item?.Put?.Item ?? {}).filter((name) => name.startsWith('rec#')).sort();
    expect(attributes).toEqual(range(120, 10).map((record) => `rec#${record.eventId}`));
    const value = item?.Put?.Item?.[`rec#${usageEventId(123)}`];
    expect(typeof value).toBe('string');
    const { previous: _previous, ...stored } = planned(123);
    expect(fromGroupedRecord(value, recordPlace(item?.Put?.Item as { pk: unknown; sk: unknown }, `rec#${usageEventId(123)}`))).toEqual(stored);
  });

  it('sets each record of a group it does not fill only if absent, and a record judged after waiting only if still pending', async () => {
    const items = await written([...range(125, 5), planned(130, { previous: 'pending' }), ...range(131, 9)]);

    const updates = items.map((item) => item.Update).filter((update) => update !== undefined);
    expect(items.filter((item) => item.Put)).toEqual([]);
    expect(updates.map((update) => update.ConditionExpression)).toEqual([
      'attribute_not_exists(#r0) AND attribute_not_exists(#r1) AND attribute_not_exists(#r2) AND attribute_not_exists(#r3) AND attribute_not_exists(#r4)',
      ['#r0.#status = :pending', ...Array.from({ length: 9 }, (_, index) => `attribute_not_exists(#r${index + 1})`)].join(' AND '),
    ]);
    // The judged record after waiting deletes its pointer.
    expect(items.filter((item) => item.Delete)).toHaveLength(1);
  });

  it('keeps a pending record as a map in its group, since its judgment is conditioned on its status', async () => {
    const items = await written(range(140, 10, { status: 'pending', usageRecordId: undefined, gpuMs: undefined, clipped: undefined, judgedAt: undefined }));

    const group = items.find((item) => item.Put?.Item?.pk === 'USAGES#asg_1#usage-00014#');
    expect(group?.Put?.Item?.[`rec#${usageEventId(140)}`]).toMatchObject({ status: 'pending', eventId: usageEventId(140) });
    // Each pending record also writes its pointer for the sweep.
    expect(items.filter((item) => String(item.Put?.Item?.sk).startsWith('PENDING#'))).toHaveLength(10);
  });
});
