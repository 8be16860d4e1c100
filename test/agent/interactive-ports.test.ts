import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#infra/local/free-port.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';

/**
 * Jobs with ports end to end: a real `gpuhive-agent` (simulated GPUs, process jobs) whose
 * host forwards a one-port public range; a tiny HTTP server as the job, reached through the
 * endpoint the API shows. The one port is the scarce thing: a second port job waits for it.
 */
let runtime: LocalRuntime;
let api: ApiClient;
let agent: AgentProcess | undefined;
let hostPort: number;
const sshKey = readFileSync(new URL('../fixtures/ssh/ed.pub', import.meta.url), 'utf8').trim();
const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-ports-agent-'));

/** The job: an HTTP server on $PORT that says which port variables it got. */
const server = [
  process.execPath,
  '-e',
  "require('http').createServer((q, r) => r.end(`job=${process.env.GPUHIVE_JOB_ID} web=${process.env.GPUHIVE_PORT_WEB} port=${process.env.PORT} key=${process.env.PUBLIC_KEY}`)).listen(Number(process.env.PORT), '127.0.0.1')",
];

const portJob = (extra: Record<string, unknown> = {}) => ({
  command: server,
  gpu: { count: 1 },
  ports: [{ name: 'web', containerPort: 8080, protocol: 'http' }],
  maxPricePerGpuHour: '0.900000',
  maxDurationSeconds: 600,
  restartPolicy: 'never',
  ...extra,
});

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
  hostPort = await freePort();
  const provider = await newAccount(api, runtime.adminKey, 'provider', 'Port Farm');
  const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
  const registered = await agentCommand([
    'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west',
    '--public-address', '127.0.0.1', '--port-range', `${hostPort}-${hostPort}`,
    '--simulate-gpus', 'RTX 4090:24564x2', '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
  ]);
  expect(registered.code, registered.stderr).toBe(0);
  agent = startAgent(['--state-dir', stateDir, '--stop-grace', '2', '--poll-wait', '2']);
  await eventually(async () => {
    const hosts = (await api.call('GET', '/v1/hosts', { key: provider.body.apiKey })).body.items;
    expect(hosts.map((host: { status: string; portRange: unknown }) => [host.status, host.portRange])).toEqual([['online', { from: hostPort, to: hostPort }]]);
  }, 20_000);
}, 60_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await runtime?.stop();
});

describe('jobs with ports on a real agent', () => {
  it('serves a process job at the endpoint the API shows, queues the next port job while the range is full, and withdraws the endpoint when the job ends', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const other = await fundedRenter(api, runtime);

    const first = await api.call('POST', '/v1/jobs', { key: renterKey, body: portJob({ sshKeys: [sshKey] }) });
    expect(first.status).toBe(202);
    await waitForStatus(api, renterKey, first.body.jobId, 'running', 30_000);
    const endpoint = await eventually(async () => {
      const [shown] = (await jobStatus(api, renterKey, first.body.jobId)).endpoints;
      expect(shown).toMatchObject({ name: 'web', containerPort: 8080, protocol: 'http', hostPort, address: `127.0.0.1:${hostPort}`, url: `http://127.0.0.1:${hostPort}`, ready: true });
      return shown as { url: string };
    }, 30_000);
    const answer = await fetch(endpoint.url);
    expect(await answer.text()).toBe(`job=${first.body.jobId} web=${hostPort} port=${hostPort} key=${sshKey}`);

    // Another renter never sees it.
    expect((await api.call('GET', `/v1/jobs/${first.body.jobId}`, { key: other.renterKey })).status).toBe(404);

    // A free GPU but no free port: the second job waits, and says why.
    const second = await api.call('POST', '/v1/jobs', { key: renterKey, body: portJob() });
    await eventually(async () => {
      const waiting = await jobStatus(api, renterKey, second.body.jobId);
      expect(waiting.status).toBe('queued');
      expect(waiting.statusReason).toMatch(/1 free public port\(s\) in its port range/);
    }, 20_000);

    // Cancelling the first withdraws its endpoint at once and hands the port to the second.
    expect((await api.call('POST', `/v1/jobs/${first.body.jobId}/cancel`, { key: renterKey })).status).toBe(202);
    expect((await jobStatus(api, renterKey, first.body.jobId)).endpoints).toEqual([]);
    await waitForStatus(api, renterKey, second.body.jobId, 'running', 30_000);
    await eventually(async () => {
      const [shown] = (await jobStatus(api, renterKey, second.body.jobId)).endpoints;
      expect(shown).toMatchObject({ hostPort, ready: true });
      expect(await (await fetch(shown.url)).text()).toContain(`job=${second.body.jobId}`);
    }, 30_000);
    expect((await api.call('POST', `/v1/jobs/${second.body.jobId}/cancel`, { key: renterKey })).status).toBe(202);
    await waitForStatus(api, renterKey, second.body.jobId, 'cancelled', 30_000);
  }, 150_000);

  it('refuses bad ports with a 400 naming each field', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const refused = async (ports: unknown) => {
      const response = await api.call('POST', '/v1/jobs', { key: renterKey, body: portJob({ ports }) });
      expect(response.status).toBe(400);
      return (response.body.error.details as { field: string; message: string }[]).map((detail) => detail.field);
    };
    expect(await refused([{ containerPort: 0 }])).toEqual(['ports.0.containerPort']);
    expect(await refused([{ containerPort: 65536 }])).toEqual(['ports.0.containerPort']);
    expect(await refused([{ containerPort: 22 }, { containerPort: 22 }])).toEqual(['ports.1.containerPort']);
    expect(await refused(Array.from({ length: 9 }, (_, at) => ({ containerPort: 8000 + at })))).toEqual(['ports']);
    expect(await refused([{ containerPort: 80, protocol: 'udp' }])).toEqual(['ports.0.protocol']);
  });
});
