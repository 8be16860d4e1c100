import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, minuteSchedulesEvery, sentUntilNotBusy, startTestRuntime, untilNotBusy, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, offeredHost } from '#test/support/marketplace.ts';
import { playAgents } from '#test/support/service-agents.ts';

/**
 * Services on the local runtime with agents played through the API (each host accepts,
 * starts, reports health and stops as told): creation, the endpoint list and its ETag,
 * restart in place then replacement, scaling, stopping, running out of funds, bad input.
 * test/agent/services.test.ts runs real agent processes.
 */
let runtime: LocalRuntime;
let api: ApiClient;
let portBase = 42000;

beforeAll(async () => {
  runtime = await startTestRuntime({ scheduleSeconds: minuteSchedulesEvery(2), env: { CAPACITY_CACHE_SECONDS: '0.5', STOP_GRACE_SECONDS: '2' } });
  api = apiClient(runtime.apiUrl);
}, 60_000);
afterAll(() => runtime?.stop());

/** A host with a public address and a port range, `gpus` RTX 4090s, offered to the renter. */
const portHost = async (renterKey: string, gpus = 1, price = '0.450000', model = 'RTX 4090') => {
  const from = portBase;
  portBase += 10;
  return offeredHost(api, runtime, renterKey, {
    gpus: Array.from({ length: gpus }, (_, index) => ({ name: `NVIDIA GeForce ${model}`, vramMb: 24564, uuid: `GPU-${from}-${index}`, index })),
    publicAddress: '198.51.100.20',
    portRange: { from, to: from + 9 },
    pricePerGpuHour: price,
  });
};

const serviceBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'chat',
  image: 'ghcr.io/example/tiny-model:1',
  ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }],
  gpu: { count: 1 },
  replicas: 3,
  maxPricePerGpuHour: '0.900000',
  healthCheck: { path: '/health', intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, startupGraceSeconds: 30 },
  ...overrides,
});

const getService = async (key: string, serviceId: string) => (await api.call('GET', `/v1/services/${serviceId}`, { key })).body;

// 60 s: beside another run one replica of three took 27 s from the create to its agent's first event (pair 44), each
// hop (hold, placement, the agent's poll, its events and their inline reconcile) taking seconds.
const waitReady = (key: string, serviceId: string, count: number, timeoutMs = 60_000) =>
  eventually(async () => {
    const service = await getService(key, serviceId);
    expect(service.readyReplicas).toBe(count);
    expect(service.replicaJobs.filter((replica: { state: string }) => replica.state === 'ready')).toHaveLength(count);
    return service;
  }, timeoutMs);

// Each test has its own renter and hosts of a GPU model of its own (which its services name), so they run at once.
describe.concurrent('inference services', () => {
  it('refuses bad input with a 400 naming the field', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const refused = async (body: Record<string, unknown>) => {
      const response = await api.call('POST', '/v1/services', { key: renterKey, body });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      return (response.body.error.details as { field: string }[]).map((detail) => detail.field);
    };
    expect(await refused(serviceBody({ replicas: 0 }))).toEqual(['replicas']);
    expect(await refused(serviceBody({ replicas: 65 }))).toEqual(['replicas']);
    expect(await refused(serviceBody({ ports: [{ containerPort: 22, protocol: 'tcp' }] }))).toEqual(['ports']);
    expect(await refused(serviceBody({ healthCheck: { path: 'health' } }))).toEqual(['healthCheck.path']);
    expect(await refused(serviceBody({ healthCheck: { path: '/a b' } }))).toEqual(['healthCheck.path']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', intervalSeconds: 0 } }))).toEqual(['healthCheck.intervalSeconds']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', intervalSeconds: 301 } }))).toEqual(['healthCheck.intervalSeconds']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', intervalSeconds: 5, timeoutSeconds: 10 } }))).toEqual(['healthCheck.timeoutSeconds']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', failureThreshold: 0 } }))).toEqual(['healthCheck.failureThreshold']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', startupGraceSeconds: 7200 } }))).toEqual(['healthCheck.startupGraceSeconds']);
    expect(await refused(serviceBody({ healthCheck: { path: '/health', port: 9999 } }))).toEqual(['healthCheck.port']);
    expect(await refused(serviceBody({ spread: 'racks' }))).toEqual(['spread']);
    expect(await refused(serviceBody({ template: 'no-such-template', image: undefined, ports: undefined }))).toEqual(['template']);
  });

  it('keeps 3 replicas ready on 3 hosts, serves the ready endpoints with an ETag, restarts an unhealthy replica in place once and then moves it, and hides it from other renters', async () => {
    const renter = await fundedRenter(api, runtime);
    const other = await fundedRenter(api, runtime);
    const hosts = [];
    for (let n = 0; n < 4; n += 1) hosts.push(await portHost(renter.renterKey));
    const unhealthy = new Set<string>();
    const agents = playAgents(api, hosts, { healthOf: (hostId) => (unhealthy.has(hostId) ? 'unhealthy' : 'healthy') });
    const changes = await captureEvents(runtime, ['service.endpoints_changed']);
    try {
      // As the CLI does, a create with an Idempotency-Key that answered `busy` is sent again.
      const created = await sentUntilNotBusy(() =>
        api.call('POST', '/v1/services', { key: renter.renterKey, body: serviceBody({ spread: 'hosts', gpu: { count: 1, models: ['RTX 4090'] } }), headers: { 'idempotency-key': 'svc-create-1' } }),
      );
      expect(created.status).toBe(202);
      const { serviceId } = created.body;
      expect(serviceId).toMatch(/^svc_/);
      const replay = await api.call('POST', '/v1/services', { key: renter.renterKey, body: serviceBody({ spread: 'hosts', gpu: { count: 1, models: ['RTX 4090'] } }), headers: { 'idempotency-key': 'svc-create-1' } });
      expect(replay.body.serviceId).toBe(serviceId);

      const ready = await waitReady(renter.renterKey, serviceId, 3);
      expect(new Set(ready.replicaJobs.map((replica: { hostId: string }) => replica.hostId)).size).toBe(3);
      expect(ready.replicaJobs[0]).toMatchObject({ replica: 0, state: 'ready', health: { state: 'healthy' }, endpoint: { url: expect.stringMatching(/^http:\/\/198\.51\.100\.20:\d+$/) } });
      // The replica jobs are ordinary jobs of the renter, each saying which service it serves.
      const replicaJob = await jobStatus(api, renter.renterKey, ready.replicaJobs[0].jobId);
      expect(replicaJob).toMatchObject({ status: 'running', name: 'chat #0', service: { serviceId, replica: 0 } });

      const endpoints = await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey });
      expect(endpoints.status).toBe(200);
      expect(endpoints.body.endpoints.map((endpoint: { replica: number }) => endpoint.replica)).toEqual([0, 1, 2]);
      expect(endpoints.headers.get('etag')).toMatch(/^".+"$/);
      // Unchanged endpoints answer 304 to their ETag. A replica's state can still move between the
      // two requests on a busy machine (the ETag then rightly changes), so the pair is taken again.
      const etag = await eventually(async () => {
        const current = (await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey })).headers.get('etag') as string;
        const unchanged = await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey, headers: { 'if-none-match': current } });
        expect(unchanged.status).toBe(304);
        return current;
      });
      await eventually(async () => {
        const seen = (await changes.next()).filter((event) => event.detail.serviceId === serviceId);
        expect(seen.some((event) => event.detail.endpoints.length === 3)).toBe(true);
      });

      // Another renter's service is not found, whatever the route.
      for (const [method, path] of [['GET', ''], ['GET', '/endpoints'], ['PATCH', ''], ['POST', '/stop']] as const) {
        const response = await api.call(method, `/v1/services/${serviceId}${path}`, { key: other.renterKey, ...(method === 'PATCH' ? { body: { replicas: 1 } } : {}) });
        expect(response.status, `${method} ${path}`).toBe(404);
      }
      expect((await api.call('GET', '/v1/services', { key: other.renterKey })).body.items).toEqual([]);
      expect((await api.call('GET', '/v1/services', { key: renter.renterKey })).body.items.map((item: { serviceId: string }) => item.serviceId)).toEqual([serviceId]);

      // Replica 0's host turns unhealthy: restarted there once, then moved to the free host.
      const firstHost = ready.replicaJobs[0].hostId as string;
      unhealthy.add(firstHost);
      const moved = await eventually(async () => {
        const service = await getService(renter.renterKey, serviceId);
        const replica = service.replicaJobs.find((candidate: { replica: number; state: string }) => candidate.replica === 0 && candidate.state !== 'retiring');
        expect(replica.jobId).toMatch(/r0g3$/);
        expect(replica.state).toBe('ready');
        return replica;
      }, 45_000);
      expect(moved.hostId).not.toBe(firstHost);
      const restartedInPlace = await jobStatus(api, renter.renterKey, moved.jobId.replace(/g3$/, 'g2'));
      expect(restartedInPlace.assignments[0].hostId).toBe(firstHost);
      expect(restartedInPlace.status).toBe('cancelled');
      const after = await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey, headers: { 'if-none-match': etag } });
      expect(after.status).toBe(200);
      expect(after.body.endpoints.map((endpoint: { hostId: string }) => endpoint.hostId)).not.toContain(firstHost);

      // Stopping ends every replica; a stopped service cannot be changed.
      expect((await api.call('POST', `/v1/services/${serviceId}/stop`, { key: renter.renterKey })).status).toBe(202);
      await eventually(async () => expect((await getService(renter.renterKey, serviceId)).status).toBe('stopped'), 20_000);
      const patched = await api.call('PATCH', `/v1/services/${serviceId}`, { key: renter.renterKey, body: { replicas: 2 } });
      expect(patched.status).toBe(409);
      expect(patched.body.error.code).toBe('service_not_active');
      for (const jobId of (await getService(renter.renterKey, serviceId)).replicaJobs.map((replica: { jobId: string }) => replica.jobId)) {
        expect((await jobStatus(api, renter.renterKey, jobId)).status).not.toBe('running');
      }
      expect((await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey })).body.endpoints).toEqual([]);
    } finally {
      await agents.stop();
    }
  }, 150_000);

  it('scales 3 -> 5 -> 2 and converges each time', async () => {
    const renter = await fundedRenter(api, runtime);
    const hosts = [];
    for (let n = 0; n < 3; n += 1) hosts.push(await portHost(renter.renterKey, 2, '0.400000', 'RTX 4080'));
    const agents = playAgents(api, hosts);
    try {
      const body = serviceBody({ gpu: { count: 1, models: ['RTX 4080'] } });
      const created = await untilNotBusy(() => api.call('POST', '/v1/services', { key: renter.renterKey, body, headers: { 'idempotency-key': 'svc-scale' } }), [202]);
      const { serviceId } = created.body;
      await waitReady(renter.renterKey, serviceId, 3);
      // As the CLI does, a scale that answered `busy` (its inline reconcile past the route's 10 s) is sent again.
      await untilNotBusy(() => api.call('PATCH', `/v1/services/${serviceId}`, { key: renter.renterKey, body: { replicas: 5 } }), [202]);
      await waitReady(renter.renterKey, serviceId, 5);
      const down = await untilNotBusy(() => api.call('PATCH', `/v1/services/${serviceId}`, { key: renter.renterKey, body: { replicas: 2 } }), [202]);
      expect(down.body.replicas).toBe(2);
      const two = await waitReady(renter.renterKey, serviceId, 2);
      expect(two.replicaJobs.filter((replica: { state: string }) => replica.state !== 'retiring').map((replica: { replica: number }) => replica.replica)).toEqual([0, 1]);
      const endpoints = await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey });
      expect(endpoints.body.endpoints.map((endpoint: { replica: number }) => endpoint.replica)).toEqual([0, 1]);
      await api.call('POST', `/v1/services/${serviceId}/stop`, { key: renter.renterKey });
      await eventually(async () => expect((await getService(renter.renterKey, serviceId)).status).toBe('stopped'), 20_000);
    } finally {
      await agents.stop();
    }
  }, 240_000);
});
