import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let receiver: WebhookReceiver | undefined;

// Matchers re-read capacity on every placement, so a window just projected is always seen.
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.01' }, scheduleSeconds: { 'matching-sweep': 1 } });
  api = apiClient(runtime.apiUrl);
});
afterAll(async () => {
  await receiver?.stop();
  await runtime?.stop();
});

const HOUR = 3600;
type Host = Awaited<ReturnType<typeof offeredHost>>;
const gpu = (name: string) => ({ gpus: [{ name, vramMb: 24_000, uuid: `GPU-${Math.random().toString(16).slice(2)}`, index: 0 }] });
const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

const scheduleWindow = async (host: Host, startsInSeconds: number, durationSeconds: number) => {
  const created = await api.call('POST', `/v1/hosts/${host.hostId}/maintenance`, {
    key: host.providerKey,
    body: { startsAt: inSeconds(startsInSeconds), durationSeconds, category: 'gpu', note: 'driver upgrade' },
  });
  expect(created.status).toBe(201);
  return created.body as { windowId: string; startsAt: string; endsAt: string };
};

/** Matching has projected the window: offers show it. */
const offeredWithWindow = (renterKey: string, host: Host, startsAt: string) =>
  eventually(async () => {
    const offers = await api.call('GET', '/v1/offers?limit=100', { key: renterKey });
    const offer = offers.body.items.find((item: { hostId: string }) => item.hostId === host.hostId);
    expect(offer?.nextMaintenance?.startsAt).toBe(startsAt);
  });

const hostOf = async (renterKey: string, jobId: string) => (await waitForStatus(api, renterKey, jobId, 'scheduled')).assignments[0].hostId as string;

describe('placement around maintenance windows', () => {
  it('places a job whose max duration would run into a window on another host, and a shorter one on the windowed host', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const windowed = await offeredHost(api, runtime, renterKey, { ...gpu('NVIDIA A40'), pricePerGpuHour: '0.400000' });
    const other = await offeredHost(api, runtime, renterKey, { ...gpu('NVIDIA A40'), pricePerGpuHour: '0.800000' });
    const window = await scheduleWindow(windowed, 2 * HOUR, HOUR);
    await offeredWithWindow(renterKey, windowed, window.startsAt);

    const long = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['A40'] }, maxDurationSeconds: 3 * HOUR }) });
    expect(await hostOf(renterKey, long.body.jobId)).toBe(other.hostId);

    const short = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['A40'] }, maxDurationSeconds: HOUR }) });
    expect(await hostOf(renterKey, short.body.jobId)).toBe(windowed.hostId);
  }, 60_000);

  it('keeps the job waiting with a reason that names the maintenance when only windowed hosts fit, and places it once the window is cancelled', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, gpu('NVIDIA L40S'));
    const window = await scheduleWindow(host, 600, HOUR);
    await offeredWithWindow(renterKey, host, window.startsAt);

    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['L40S'] }, maxDurationSeconds: 2 * HOUR }) });

    const waiting = await eventually(async () => {
      const job = await jobStatus(api, renterKey, body.jobId);
      expect(job.statusReason).toMatch(new RegExp(`^the only matching hosts \\(${host.hostId}\\) have maintenance scheduled`));
      return job;
    });
    expect(waiting.status).toBe('queued');
    expect(waiting.assignments).toEqual([]);

    expect((await api.call('DELETE', `/v1/hosts/${host.hostId}/maintenance/${window.windowId}`, { key: host.providerKey })).status).toBe(204);
    expect(await hostOf(renterKey, body.jobId)).toBe(host.hostId);
  }, 60_000);
});

describe('renters with running work on the host', () => {
  it('get a host.maintenance_scheduled event and webhook, once per window, with the window on the job timeline', async () => {
    receiver = await startWebhookReceiver({ statuses: [200] });
    const events = receiver.received;
    const received = () => events.map((request): { type: string; data: Record<string, any> } => JSON.parse(request.body));
    const { renterKey, renterId } = await fundedRenter(api, runtime);
    const hook = await api.call('POST', '/v1/webhooks', {
      key: renterKey,
      body: { url: receiver.url, events: ['host.maintenance_scheduled'] },
    });
    expect(hook.status).toBe(201);
    const host = await offeredHost(api, runtime, renterKey, gpu('NVIDIA A10'));
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['A10'] } }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === body.jobId);
    expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted')).status).toBe(200);
    expect((await reportEvent(api, host.agentToken, assignment.assignmentId, 'started')).status).toBe(200);
    await waitForStatus(api, renterKey, body.jobId, 'running');

    const first = await scheduleWindow(host, 6 * HOUR, HOUR);
    // Another snapshot of the host (a price change) must not tell the renter again.
    expect((await api.call('PATCH', `/v1/hosts/${host.hostId}`, { key: host.providerKey, body: { pricePerGpuHour: '0.500000' } })).status).toBe(200);
    const second = await scheduleWindow(host, 9 * HOUR, HOUR);

    await eventually(async () => expect(received().map((event) => event.data.window.windowId).sort()).toEqual([first.windowId, second.windowId].sort()), 20_000);
    expect(received()[0]).toMatchObject({
      type: 'host.maintenance_scheduled',
      data: { renterId, jobId: body.jobId, hostId: host.hostId, assignmentIds: [assignment.assignmentId], window: { category: 'gpu', note: 'driver upgrade' } },
    });
    const timeline = await api.call('GET', `/v1/jobs/${body.jobId}/events`, { key: renterKey });
    const notes = timeline.body.items.filter((step: { type: string }) => step.type === 'host_maintenance_scheduled');
    expect(notes.map((step: { data: { windowId: string } }) => step.data.windowId)).toEqual([first.windowId, second.windowId]);
  }, 60_000);
});
