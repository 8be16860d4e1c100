import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#infra/local/free-port.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, schedulesEvery, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';

/**
 * Services end to end with real `gpuhive-agent` processes (simulated GPUs, process jobs): four
 * hosts of one provider-less fleet, a small HTTP server as the "model". A 3-replica service
 * becomes ready and its endpoints answer; killing one agent withdraws its endpoint within the
 * unreachable threshold and a replacement becomes ready elsewhere; a replica whose health
 * path fails is restarted on its host, then moved; a rolling update keeps 2 of 3 ready.
 */
/**
 * Five heartbeats missed, not three: under load (two suites side by side) the runtime heard as
 * few as one or two heartbeats a second from its four agents, and a live host that flaps
 * unreachable has its replicas replaced (as matching/failures found).
 */
const UNREACHABLE_AFTER = 5;
const SWEEP_EVERY = 2;
const HOSTS = 4;

let runtime: LocalRuntime;
let api: ApiClient;
const agents: { stateDir: string; agent: AgentProcess; hostId: string; ports: [number, number] }[] = [];
const flags = mkdtempSync(join(tmpdir(), 'gpuhive-service-flags-'));
let providerKey: string;

/** The model: /health answers 503 while a flag file names its port; / says which replica and version answered. */
const model = [
  process.execPath,
  '-e',
  [
    "const fs = require('fs'); const port = Number(process.env.PORT);",
    "require('http').createServer((q, r) => {",
    "  if (q.url === '/health') { const sick = fs.existsSync(process.env.FLAGS + '/fail-' + port); r.statusCode = sick ? 503 : 200; return r.end(sick ? 'sick' : 'ok'); }",
    "  r.end(process.env.GPUHIVE_JOB_ID + ' v' + process.env.VERSION);",
    "}).listen(port, '127.0.0.1');",
  ].join('\n'),
];

const startAgentFor = (stateDir: string) => startAgent(['--state-dir', stateDir, '--stop-grace', '2', '--poll-wait', '2']);

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: { HEARTBEAT_INTERVAL_SECONDS: '1', UNREACHABLE_AFTER_SECONDS: String(UNREACHABLE_AFTER), OFFLINE_AFTER_SECONDS: '120', CAPACITY_CACHE_SECONDS: '0.5', STOP_GRACE_SECONDS: '2' },
    // What the test waits on: hosts found silent (liveness) and replicas replaced (matching's service reconcile).
    scheduleSeconds: schedulesEvery(SWEEP_EVERY, ['registry-liveness-sweep', 'matching-sweep']),
  });
  api = apiClient(runtime.apiUrl);
  const provider = await newAccount(api, runtime.adminKey, 'provider', 'Replica Farm');
  providerKey = provider.body.apiKey;
  // Each host's two ports, apart from every other host's.
  const portPairs: [number, number][] = [];
  while (portPairs.length < HOSTS) {
    const port = await freePort();
    if (!portPairs.some(([from, to]) => port + 1 >= from && port <= to)) portPairs.push([port, port + 1]);
  }
  // The hosts register at once: each registration is an agent process of its own.
  agents.push(...(await Promise.all(portPairs.map(async (ports, n) => {
    const stateDir = mkdtempSync(join(tmpdir(), `gpuhive-service-agent-${n}-`));
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    expect(token.status).toBe(201);
    const registered = await agentCommand([
      'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west',
      '--public-address', '127.0.0.1', '--port-range', `${ports[0]}-${ports[1]}`,
      '--simulate-gpus', 'RTX 4090:24564', '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    return { stateDir, agent: startAgentFor(stateDir), hostId: '', ports };
  }))));
  await eventually(async () => {
    const hosts = (await api.call('GET', '/v1/hosts', { key: provider.body.apiKey })).body.items as { hostId: string; status: string; portRange: { from: number } }[];
    expect(hosts.filter((host) => host.status === 'online'), JSON.stringify(hosts.map((host) => [host.hostId, host.status]))).toHaveLength(HOSTS);
    for (const entry of agents) entry.hostId = hosts.find((host) => host.portRange.from === entry.ports[0])?.hostId ?? entry.hostId;
  }, 30_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((entry) => entry.agent.stop('SIGKILL')));
  await runtime?.stop();
  rmSync(flags, { recursive: true, force: true });
});

const getService = async (key: string, serviceId: string) => (await api.call('GET', `/v1/services/${serviceId}`, { key })).body;
const endpointsOf = async (key: string, serviceId: string) =>
  (await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key })).body.endpoints as { replica: number; hostId: string; url: string; jobId: string }[];
interface ReplicaView { replica: number; jobId: string; hostId: string; state: string; revision: number }
const current = (service: { replicaJobs: ReplicaView[] }, replica: number): ReplicaView => {
  const found = service.replicaJobs.find((candidate) => candidate.replica === replica && candidate.state !== 'retiring');
  if (!found) throw new Error(`no replica ${replica} in ${JSON.stringify(service.replicaJobs)}`);
  return found;
};

describe('a service on real agents', () => {
  it('becomes ready, survives a killed agent and a failing health path, and rolls an update keeping 2 of 3 ready', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const created = await api.call('POST', '/v1/services', {
      key: renterKey,
      body: {
        name: 'tiny-model', command: model, env: { FLAGS: flags, VERSION: '1' },
        ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }], gpu: { count: 1 }, replicas: 3, spread: 'hosts',
        maxPricePerGpuHour: '0.900000',
        healthCheck: { path: '/health', intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 2, startupGraceSeconds: 0 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const { serviceId } = created.body;
    const agentsOutput = () => agents.map((entry) => entry.agent.output().slice(-2000)).join('\n---\n');

    // 1. Three replicas on three hosts, each endpoint answering as its own replica.
    const ready = await eventually(async () => {
      const endpoints = await endpointsOf(renterKey, serviceId);
      expect(endpoints).toHaveLength(3);
      return endpoints;
    }, 60_000).catch((error: unknown) => { throw new Error(`${String(error)}\n${agentsOutput()}`); });
    expect(new Set(ready.map((endpoint) => endpoint.hostId)).size).toBe(3);
    for (const endpoint of ready) expect(await (await fetch(endpoint.url)).text()).toBe(`${endpoint.jobId} v1`);

    // 2. Kill the agent (and so the heartbeats) of replica 1's host: its endpoint goes within the
    // unreachable threshold (plus a sweep and slack for a busy machine), and a replacement becomes
    // ready on the one host left.
    const victim = agents.find((entry) => entry.hostId === ready.find((endpoint) => endpoint.replica === 1)?.hostId);
    expect(victim).toBeDefined();
    await victim!.agent.stop('SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => expect((await endpointsOf(renterKey, serviceId)).map((endpoint) => endpoint.hostId)).not.toContain(victim!.hostId), 30_000);
    expect(Date.now() - killedAt).toBeLessThanOrEqual((UNREACHABLE_AFTER + 2 * SWEEP_EVERY + 10) * 1000);
    // A heartbeat the killed agent sent just before, answered late on a busy machine, can bring its
    // host back for a moment, and with it the old replica (it serves until its replacement is
    // ready): so wait for replica 1 to serve from another host rather than for any third endpoint.
    const replaced = await eventually(async () => {
      const endpoints = await endpointsOf(renterKey, serviceId);
      expect(endpoints).toHaveLength(3);
      const replica1 = endpoints.find((endpoint) => endpoint.replica === 1)!;
      expect(replica1.hostId).not.toBe(victim!.hostId);
      return replica1;
    }, 60_000);
    expect(await (await fetch(replaced.url)).text()).toBe(`${replaced.jobId} v1`);
    // The agent comes back: the replica it ran was replaced, so it is stopped there, and the host is free again.
    victim!.agent = startAgentFor(victim!.stateDir);
    await eventually(async () => {
      const service = await getService(renterKey, serviceId);
      expect(service.replicaJobs.filter((replica: { state: string }) => replica.state === 'retiring')).toEqual([]);
    }, 60_000);

    // 3. Replica 0's health path starts failing on its host: restarted there once, then moved.
    const before = current(await getService(renterKey, serviceId), 0);
    const sick = agents.find((entry) => entry.hostId === before.hostId)!;
    const firstJob = before.jobId;
    for (const port of sick.ports) writeFileSync(join(flags, `fail-${port}`), '');
    const moved = await eventually(async () => {
      const replica = current(await getService(renterKey, serviceId), 0);
      expect(replica.hostId).not.toBe(sick.hostId);
      expect(replica.state).toBe('ready');
      return replica;
    }, 90_000);
    const generation = (jobId: string) => Number(/g(\d+)$/.exec(jobId)?.[1]);
    expect(generation(moved.jobId)).toBe(generation(firstJob) + 2);
    const restarted = (await api.call('GET', `/v1/jobs/${moved.jobId.replace(/g\d+$/, `g${generation(firstJob) + 1}`)}`, { key: renterKey })).body;
    expect(restarted.assignments.map((assignment: { hostId: string }) => assignment.hostId)).toEqual([sick.hostId]);
    for (const port of sick.ports) rmSync(join(flags, `fail-${port}`));
    expect(existsSync(join(flags, `fail-${sick.ports[0]}`))).toBe(false);
    await eventually(async () => expect(await endpointsOf(renterKey, serviceId)).toHaveLength(3), 60_000);

    // 4. A rolling update: never fewer than 2 of 3 ready while it rolls, all on the new env after.
    // As a client does, tried again while the API is busy: the same values again roll nothing more.
    const rollout = () => api.call('PATCH', `/v1/services/${serviceId}`, { key: renterKey, body: { env: { VERSION: '2' } } });
    await eventually(async () => expect((await rollout()).status).toBe(202), 60_000);
    let fewest = 3;
    await eventually(async () => {
      const endpoints = await endpointsOf(renterKey, serviceId);
      fewest = Math.min(fewest, endpoints.length);
      const service = await getService(renterKey, serviceId);
      expect(service.replicaJobs.map((replica: { state: string; revision: number }) => [replica.state, replica.revision])).toEqual([['ready', 2], ['ready', 2], ['ready', 2]]);
      expect(endpoints).toHaveLength(3);
    }, 120_000).catch(async (error: unknown) => {
      // Where each replica and host stood, and what the agents said: a stuck rollout shows why.
      const hosts = (await api.call('GET', '/v1/hosts', { key: providerKey })).body.items.map((host: { hostId: string; status: string; statusReason: string | null }) => [host.hostId, host.status, host.statusReason]);
      throw new Error(`${String(error)}\nservice: ${JSON.stringify(await getService(renterKey, serviceId))}\nhosts: ${JSON.stringify(hosts)}\n${agentsOutput()}`);
    });
    expect(fewest).toBeGreaterThanOrEqual(2);
    for (const endpoint of await endpointsOf(renterKey, serviceId)) expect(await (await fetch(endpoint.url)).text()).toBe(`${endpoint.jobId} v2`);
    const again = await rollout();
    expect(again.status).toBe(202);
    expect(again.body.revision).toBe(2);
    expect(again.body.replicaJobs.map((replica: { state: string; revision: number }) => [replica.state, replica.revision])).toEqual([['ready', 2], ['ready', 2], ['ready', 2]]);

    expect((await api.call('POST', `/v1/services/${serviceId}/stop`, { key: renterKey })).status).toBe(202);
    await eventually(async () => expect((await getService(renterKey, serviceId)).status).toBe('stopped'), 30_000);
  }, 400_000);
});
