import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { busName } from '#infra/topology.ts';
import { apiClient, captureEvents, eventually, localSqs, startTestRuntime, type ApiClient, type CapturedEvent } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';
import { diffSnapshots, snapshotTables, waitForQuietQueues } from '#test/support/tables.ts';

/**
 * Duplicate and out-of-order events are harmless: a whole marketplace flow runs in order
 * while every event on the bus is captured; then the captured sequence, shuffled and with
 * every event duplicated, is put on the bus again, through the same rules and queues to the
 * same consumers. Afterwards every table (outboxes included: a consumer must not announce
 * anything twice) is as the in-order flow left it, and no DLQ holds anything.
 */
const SEED = Number(process.env.REPLAY_SEED ?? Date.now() % 2 ** 31);

let runtime: LocalRuntime;
let api: ApiClient;

// No schedule runs (no sweep changes a table behind the test's back); hosts need no heartbeats then.
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' }, scheduleEverySeconds: 3600 });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

/** mulberry32: a small seeded generator, so a failing order can be replayed with REPLAY_SEED. */
const random = (seed: number) => () => {
  let t = (seed += 0x6d2b79f5);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const shuffled = <T>(items: readonly T[], next: () => number): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

const drain = async (capture: { next(): Promise<CapturedEvent[]> }, into: CapturedEvent[]) => {
  for (let batch = await capture.next(); batch.length > 0; batch = await capture.next()) into.push(...batch);
};

/**
 * Bookkeeping that may move without the state changing: the publisher marks outbox items
 * sent, the authorizer notes a key's last use, and a consumer that re-saves what it already
 * had (matching's copy of a host, metering's lease) bumps its revision or update time.
 */
const snapshot = () =>
  snapshotTables(runtime, {
    ignore: ['outboxBucket', 'sentAt', 'lastUsedAt', 'revision', 'updatedAt'],
    // A capacity item's change stamp (`AT#<written at>`) is when it was last written, like its
    // revision: a replay that writes the same capacity again moves it and nothing else.
    ignoreValue: (name, value) => name === 'gsi1sk' && typeof value === 'string' && value.startsWith('AT#'),
  });

const deadLetters = async () => {
  const sqs = localSqs(runtime);
  let dead = 0;
  for (const [name, url] of Object.entries(runtime.queueUrls)) {
    if (!name.endsWith('-dlq')) continue;
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    dead += Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
  return dead;
};

/** A host, two jobs (one succeeds with usage charged, one fails), a price change and a host that signs off. */
const runFlow = async () => {
  const { renterKey } = await fundedRenter(api, runtime);
  const host = await offeredHost(api, runtime, renterKey, {
    gpus: [0, 1].map((index) => ({ name: 'NVIDIA GeForce RTX 3080', vramMb: 10240, uuid: `GPU-replay-${index}`, index })),
    pricePerGpuHour: '0.300000',
  });
  const run = async (exitCode: number) => {
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 3080'] } }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === body.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const leaseStart = await eventually(async () => {
      const usage = (await api.call('GET', `/v1/jobs/${body.jobId}/usage`, { key: renterKey })).body.assignments[0];
      expect(usage?.leaseStart).toEqual(expect.any(String));
      return Date.parse(usage.leaseStart);
    });
    await eventually(async () => expect(Date.now()).toBeGreaterThan(leaseStart + 1200));
    const records = [0, 1].map((n) => ({
      eventId: `replay-${n}`, assignmentId: assignment.assignmentId,
      from: new Date(leaseStart + n * 500).toISOString(), to: new Date(leaseStart + (n + 1) * 500).toISOString(), gpuSeconds: 0.5,
    }));
    expect((await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records } })).body.accepted).toBe(2);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode });
    await waitForStatus(api, renterKey, body.jobId, exitCode === 0 ? 'succeeded' : 'failed');
  };
  await run(0);
  await run(3);
  expect((await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { pricePerGpuHour: '0.350000' } })).status).toBe(200);
  expect((await api.call('POST', '/v1/agent/sign-off', { key: host.agentToken })).status).toBe(200);
};

describe('replaying the bus', () => {
  it('leaves every table as the in-order flow left it when its events come again, shuffled and duplicated', async () => {
    const capture = await captureEvents(runtime, Object.values(events).map((definition) => definition.DETAIL_TYPE));
    await runFlow();
    await waitForQuietQueues(runtime);
    const captured: CapturedEvent[] = [];
    await drain(capture, captured);
    const inOrder = await snapshot();
    const kinds = new Set(captured.map((event) => event['detail-type']));
    expect([...kinds]).toEqual(expect.arrayContaining(['job.submitted', 'funds.held', 'job.scheduled', 'assignment.started', 'usage.chunk_recorded', 'usage.chunk_charged', 'assignment.ended', 'job.ended', 'host.updated', 'host.went_offline']));

    const replay = shuffled([...captured, ...captured], random(SEED));
    const bus = new EventBridgeClient({ endpoint: runtime.endpoints.eventBridge, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    for (let offset = 0; offset < replay.length; offset += 10) {
      const { FailedEntryCount } = await bus.send(new PutEventsCommand({
        Entries: replay.slice(offset, offset + 10).map((event) => ({
          EventBusName: busName(runtime.stage), Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail),
        })),
      }));
      expect(FailedEntryCount ?? 0).toBe(0);
    }
    await waitForQuietQueues(runtime, 30_000);
    const replayed = await snapshot();
    process.stdout.write(`replay: ${replay.length} events (${captured.length} captured, each twice, seed ${SEED}) into the consumers\n`);

    expect(await deadLetters()).toBe(0);
    const diff = diffSnapshots(inOrder, replayed);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed).toEqual([]);
  }, 90_000);
});
