import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

// Seconds instead of minutes, so the sweeper's whole path runs within a test.
beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { UNREACHABLE_AFTER_SECONDS: '2', OFFLINE_AFTER_SECONDS: '6', HEARTBEAT_INTERVAL_SECONDS: '1' },
    scheduleSeconds: { 'registry-liveness-sweep': 1 },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const statusOf = async (host: { hostId: string; providerKey: string }) =>
  (await api.call('GET', `/v1/hosts/${host.hostId}`, { key: host.providerKey })).body;

describe('host liveness', () => {
  it('answers a heartbeat with the status, the server-set interval and the live assignments', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    const beat = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [], gpuUtilization: [37] } });

    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ status: 'online', listed: true, heartbeatIntervalSeconds: 1, assignments: [] });
  });

  it('marks a silent host unreachable, then offline, and a heartbeat brings it back online', async () => {
    const listener = await captureEvents(runtime, ['host.unreachable', 'host.went_offline', 'host.came_online']);
    const host = await onboardHost(api, runtime.adminKey);

    const unreachable = await eventually(async () => {
      const view = await statusOf(host);
      expect(view.status).toBe('unreachable');
      return view;
    });
    expect(unreachable.statusReason).toMatch(/^unreachable since/);
    await eventually(async () => expect((await statusOf(host)).status).toBe('offline'));
    const beat = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });

    expect(beat.body.status).toBe('online');
    const back = await statusOf(host);
    expect(back.status).toBe('online');
    expect(back.reliability).toBeLessThan(1);
    const seen: string[] = [];
    await eventually(async () => {
      seen.push(...(await listener.next()).filter((e) => e.detail.hostId === host.hostId).map((e) => e['detail-type']));
      expect(seen).toEqual(['host.unreachable', 'host.went_offline', 'host.came_online']);
    });
  });

  it('keeps a heartbeating host online with full reliability', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    for (let beat = 0; beat < 3; beat += 1) {
      await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });
    }

    const view = await statusOf(host);
    expect(view.status).toBe('online');
    expect(view.reliability).toBe(1);
  });

  it('takes a signed-off host offline at once, until its agent heartbeats again', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    const signedOff = await api.call('POST', '/v1/agent/sign-off', { key: host.agentToken });

    expect(signedOff.status).toBe(200);
    expect(signedOff.body.status).toBe('offline');
    expect((await statusOf(host)).statusReason).toMatch(/^signed off at/);
    const back = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [] } });
    expect(back.body.status).toBe('online');
  });

  it('lets the agent report that it is draining', async () => {
    const host = await onboardHost(api, runtime.adminKey);

    const beat = await api.call('POST', '/v1/agent/heartbeat', { key: host.agentToken, body: { runningAssignments: [], draining: true } });

    expect(beat.body.acceptsWork).toBe(false);
    expect((await statusOf(host)).draining).toBe(true);
  });
});
