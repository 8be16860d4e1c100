import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { tables } from '#infra/topology.ts';
import { documentClient } from '#platform/aws-clients.ts';
import { usageEventId } from '#agent/usage/meter.ts';
import { fromGroupedRecord } from '#metering/adapters/codecs.ts';
import { pendingKey, pendingShardOf, pendingShardPk, recordAttribute, recordPlace, summaryKey, usageGroupKey, usageKey } from '#metering/adapters/items.ts';
import { apiClient, clockPast, eventually, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

/** Metering's record groups on DynamoDB Local: a batch is one item, a resend finds every record, and records stored before groups still count once. */
let runtime: LocalRuntime;
let api: ApiClient;
let gpuSerial = 0;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { USAGE_PENDING_MAX_SECONDS: '2', CAPACITY_CACHE_SECONDS: '0.5' },
    scheduleSeconds: { 'metering-pending-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const table = () => process.env[tables.metering.envVar] as string;
const getItem = async (key: Record<string, unknown>) => (await documentClient().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }))).Item;
const postUsage = (agentToken: string, records: unknown[]) => api.call('POST', '/v1/agent/usage', { key: agentToken, body: { records } });
const record = (assignmentId: string, eventId: string, fromMs: number, toMs: number) => ({
  eventId, assignmentId, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), gpuSeconds: (toMs - fromMs) / 1000,
});

/** A job running on a fresh host, once metering knows its lease. */
const runningJob = async () => {
  const { renterKey } = await fundedRenter(api, runtime);
  gpuSerial += 1;
  const host = await offeredHost(api, runtime, renterKey, {
    gpus: [{ name: 'NVIDIA GeForce RTX 3090', vramMb: 24576, uuid: `GPU-groups-${gpuSerial}`, index: 0 }],
    pricePerGpuHour: '0.900000',
  });
  const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 3090'] }, maxPricePerGpuHour: '1.000000' }) });
  const { jobId } = submitted.body;
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === jobId);
  const assignmentId = assignment.assignmentId as string;
  expect((await reportEvent(api, host.agentToken, assignmentId, 'accepted')).status).toBe(200);
  expect((await reportEvent(api, host.agentToken, assignmentId, 'started')).status).toBe(200);
  const startedAt = Date.now();
  await eventually(async () => {
    const usage = await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey });
    expect(usage.body.assignments?.[0]?.leaseStart).toEqual(expect.any(String));
  });
  return { host, assignmentId, startedAt };
};

describe('usage record groups', () => {
  it('stores a batch of 100 numbered records as 10 items, and answers a resend split differently with the first copies', async () => {
    const { host, assignmentId, startedAt } = await runningJob();
    await clockPast(startedAt + 1_200);
    // 100 records of 10 ms, numbered as the agent numbers them, from 100.
    const batch = Array.from({ length: 100 }, (_, index) => record(assignmentId, usageEventId(100 + index), startedAt + index * 10, startedAt + (index + 1) * 10));

    const first = await postUsage(host.agentToken, batch);

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 100, duplicates: 0 });
    for (let seq = 100; seq < 200; seq += 10) {
      const group = await getItem(usageGroupKey(assignmentId, usageEventId(seq), host.hostId));
      expect(Object.keys(group ?? {}).filter((name) => name.startsWith('rec#')).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) => `rec#${usageEventId(seq + index)}`),
      );
    }
    expect(await getItem(usageKey(assignmentId, usageEventId(100), host.hostId))).toBeUndefined();
    expect(await getItem(summaryKey(assignmentId))).toMatchObject({ acceptedRecords: 100, recordGroups: true });

    // The last 50 again, with 50 new ones of the next group, out of order.
    const next = Array.from({ length: 50 }, (_, index) => record(assignmentId, usageEventId(200 + index), startedAt + 1_000 + index * 2, startedAt + 1_000 + (index + 1) * 2));
    const again = await postUsage(host.agentToken, [...next, ...batch.slice(50)]);

    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ accepted: 50, duplicates: 50 });
    const ids = new Map(first.body.records.map((r: { eventId: string; usageRecordId: string }) => [r.eventId, r.usageRecordId]));
    for (const answer of again.body.records.slice(50)) {
      expect(answer).toMatchObject({ status: 'duplicate', original: 'accepted', usageRecordId: ids.get(answer.eventId) });
    }
    expect(await getItem(summaryKey(assignmentId))).toMatchObject({ acceptedRecords: 150 });
  }, 90_000); // the first placement on a fresh runtime, on a busy machine

  it('writes a whole group of fresh records as one item, and a whole group part of which was stored before only adds the rest', async () => {
    const { host, assignmentId, startedAt } = await runningJob();
    await clockPast(startedAt + 300);
    const batch = Array.from({ length: 20 }, (_, index) => record(assignmentId, usageEventId(10 + index), startedAt + index * 10, startedAt + (index + 1) * 10));
    // The first half of group 1 alone, then groups 1 and 2 whole: group 1's item already holds five of its records.
    const early = await postUsage(host.agentToken, batch.slice(0, 5));
    expect(early.body).toMatchObject({ accepted: 5, duplicates: 0 });

    const whole = await postUsage(host.agentToken, batch);

    expect(whole.status).toBe(202);
    expect(whole.body).toMatchObject({ accepted: 15, duplicates: 5 });
    expect(whole.body.records.slice(0, 5)).toEqual(early.body.records.map((first: { usageRecordId: string }) =>
      expect.objectContaining({ status: 'duplicate', original: 'accepted', usageRecordId: first.usageRecordId })));
    for (const seq of [10, 20]) {
      const group = await getItem(usageGroupKey(assignmentId, usageEventId(seq), host.hostId));
      expect(Object.keys(group ?? {}).filter((name) => name.startsWith('rec#')).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) => `rec#${usageEventId(seq + index)}`),
      );
    }
    const firstGroup = await getItem(usageGroupKey(assignmentId, usageEventId(10), host.hostId));
    // A judged record is kept as JSON text (codecs.ts); the first copy is the one that stays.
    expect(typeof firstGroup?.[recordAttribute(usageEventId(10))]).toBe('string');
    expect(fromGroupedRecord(firstGroup?.[recordAttribute(usageEventId(10))], recordPlace(firstGroup as { pk: unknown; sk: unknown }, recordAttribute(usageEventId(10))))).toMatchObject({ status: 'accepted', usageRecordId: early.body.records[0].usageRecordId });
    expect(await getItem(summaryKey(assignmentId))).toMatchObject({ acceptedRecords: 20 });

    // Both groups whole again: every record a duplicate of its first copy, nothing written.
    const again = await postUsage(host.agentToken, batch);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 20 });
    expect(await getItem(summaryKey(assignmentId))).toMatchObject({ acceptedRecords: 20 });
  }, 90_000);

  it('still answers a record stored in its own item before record groups as a duplicate, on an assignment whose summary predates them', async () => {
    const { host, assignmentId, startedAt } = await runningJob();
    await clockPast(startedAt + 1_000);
    const old = record(assignmentId, 'before-groups', startedAt, startedAt + 500);
    const first = await postUsage(host.agentToken, [old]);
    expect(first.body).toMatchObject({ accepted: 1 });
    // Rewrite the stored copy as the code before record groups stored it: an item of its own, and a summary without the mark.
    const groupKey = usageGroupKey(assignmentId, old.eventId, host.hostId);
    const stored = fromGroupedRecord((await getItem(groupKey))?.[recordAttribute(old.eventId)], { assignmentId, hostId: host.hostId, eventId: old.eventId });
    await documentClient().send(new PutCommand({ TableName: table(), Item: { ...usageKey(assignmentId, old.eventId, host.hostId), ...stored } }));
    await documentClient().send(new DeleteCommand({ TableName: table(), Key: groupKey }));
    await documentClient().send(new UpdateCommand({ TableName: table(), Key: summaryKey(assignmentId), UpdateExpression: 'REMOVE recordGroups' }));

    const resent = await postUsage(host.agentToken, [old, record(assignmentId, 'after-groups', startedAt + 500, startedAt + 900)]);

    expect(resent.body.records).toEqual([
      expect.objectContaining({ status: 'duplicate', original: 'accepted', usageRecordId: first.body.records[0].usageRecordId }),
      expect.objectContaining({ status: 'accepted' }),
    ]);
    expect(await getItem(summaryKey(assignmentId))).toMatchObject({ acceptedRecords: 2 });
  });

  it('closes a record that waited under its own item before record groups, where it is, and a resend says so', async () => {
    const host = await onboardHost(api, runtime.adminKey);
    const now = Date.now();
    const assignmentId = 'job_neverknown.a1.r0';
    const waiting = { eventId: 'ghost-old', assignmentId, from: new Date(now - 60_000).toISOString(), to: new Date(now).toISOString(), gpuSeconds: 60, hostId: host.hostId, receivedAt: new Date(now).toISOString(), status: 'pending' };
    // As the code before record groups stored a record whose lease was unknown: its own item and a pointer without `grouped`.
    await documentClient().send(new PutCommand({ TableName: table(), Item: { ...usageKey(assignmentId, waiting.eventId, host.hostId), ...waiting } }));
    await documentClient().send(new PutCommand({
      TableName: table(),
      Item: {
        ...pendingKey(assignmentId, waiting.eventId, host.hostId), ...waiting,
        gsi1pk: pendingShardPk(pendingShardOf(assignmentId)), gsi1sk: `${waiting.receivedAt}#${assignmentId}#${waiting.eventId}#${host.hostId}`,
      },
    }));

    await eventually(async () => {
      expect(await getItem(usageKey(assignmentId, waiting.eventId, host.hostId))).toMatchObject({ status: 'rejected', reason: 'lease_never_arrived' });
    }, 20_000);
    const { Items = [] } = await documentClient().send(new QueryCommand({
      TableName: table(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `LEASE#${assignmentId}` }, ConsistentRead: true,
    }));
    expect(Items.filter((item) => String(item.sk).startsWith('PENDING#'))).toEqual([]);
    expect(await getItem(usageGroupKey(assignmentId, waiting.eventId, host.hostId))).toBeUndefined();

    const resent = await postUsage(host.agentToken, [{ eventId: waiting.eventId, assignmentId, from: waiting.from, to: waiting.to, gpuSeconds: 60 }]);

    expect(resent.body.records[0]).toMatchObject({ status: 'duplicate', original: 'rejected', reason: 'lease_never_arrived' });
  });
});
