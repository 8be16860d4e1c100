import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, startCuttableProxy, type AgentProcess } from './support.ts';

/**
 * What strands a running agent (issue 15): the SQS endpoint it polls stops answering, as after
 * the backend restarted with its stand-ins on new ports.
 * A real agent against the local backend; the SQS endpoint the API vends to agents
 * (AGENT_SQS_ENDPOINT) is a proxy the test can cut, while the backend keeps its own.
 */
const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-agent-state-'));
const out = mkdtempSync(join(tmpdir(), 'gpuhive-agent-queue-out-'));
let runtime: LocalRuntime | undefined;
let sqsProxy: Awaited<ReturnType<typeof startCuttableProxy>> | undefined;
const agents: AgentProcess[] = [];

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  await sqsProxy?.close();
  await runtime?.stop();
  for (const dir of [stateDir, out]) rmSync(dir, { recursive: true, force: true });
});

const hostOf = async (api: ApiClient, providerKey: string) => (await api.call('GET', '/v1/hosts', { key: providerKey })).body.items[0];

const submit = async (api: ApiClient, renterKey: string, file: string) => {
  const response = await api.call('POST', '/v1/jobs', {
    key: renterKey,
    body: { command: ['sh', '-c', `echo ok > "$OUT/${file}"`], env: { OUT: out }, gpu: { count: 1 }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600, restartPolicy: 'never' },
  });
  expect(response.status).toBe(202);
  return response.body.jobId as string;
};

/** The host's line in GET /v1/hosts says it receives no work, for the queue's sake. */
const notReceivingWork = async (api: ApiClient, providerKey: string) => {
  const host = await hostOf(api, providerKey);
  expect(host.status).toBe('online');
  expect(host.statusReason).toMatch(/^not receiving work: the agent cannot poll its assignment queue since \S+ \(.+\)/);
};

describe('gpuhive-agent when its queue cannot be polled', () => {
  it('reports a queue endpoint that refuses connections, takes no work meanwhile, and takes it again once the queue answers', async () => {
    sqsProxy = await startCuttableProxy({ host: '127.0.0.1', port: 9 });
    runtime = await startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5', AGENT_SQS_ENDPOINT: sqsProxy.url } });
    sqsProxy.retarget({ host: '127.0.0.1', port: Number(new URL(runtime.endpoints.sqs).port) });
    const api = apiClient(runtime.apiUrl);
    const provider = (await newAccount(api, runtime.adminKey, 'provider', 'Queue Rigs')).body;
    const { renterKey } = await fundedRenter(api, runtime);
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.apiKey });
    const registered = await agentCommand([
      'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west',
      '--simulate-gpus', 'RTX 4090:24564x1', '--allow-process-jobs', '--state-dir', stateDir,
    ], undefined, 'launcher');
    expect(registered.code).toBe(0);
    // The suggested command is one this provider can type as is: from a clone, through npx (issue 15).
    expect(registered.stdout).toMatch(/Start it with: npx gpuhive-agent run --state-dir /);
    // Failed polls retry at most 2 s apart (default 30): the test waits for the first poll after the queue is back.
    const agent = startAgent(['--state-dir', stateDir, '--poll-wait', '1', '--stop-grace', '2', '--queue-retry-max', '2']);
    agents.push(agent);
    await eventually(async () => expect(await hostOf(api, provider.apiKey)).toMatchObject({ status: 'online', statusReason: 'never assigned' }), 30_000);
    const first = await submit(api, renterKey, 'first');
    await waitForStatus(api, renterKey, first, 'succeeded', 60_000);

    const offered = async () => (await api.call('GET', '/v1/offers?limit=100', { key: renterKey })).body.items.map((offer: { hostId: string }) => offer.hostId);
    const hostId = (await hostOf(api, provider.apiKey)).hostId as string;
    await eventually(async () => expect(await offered()).toContain(hostId), 30_000);

    // The SQS endpoint refuses connections: the agent renews, keeps failing, and says so in its heartbeat.
    await sqsProxy.cut();
    await eventually(() => notReceivingWork(api, provider.apiKey), 60_000);
    expect(agent.output()).toMatch(/queue poll failed; will retry .*renewing="credentials and endpoint".*ECONNREFUSED/);
    // Matching hears it too (host.updated): the host leaves the offers, so nothing is placed where it cannot arrive.
    await eventually(async () => expect(await offered()).not.toContain(hostId), 30_000);
    const waiting = await submit(api, renterKey, 'after-endpoint-back');

    // Both read the same state at once: two processes started side by side, not one after the other.
    const [status, doctor] = await Promise.all([agentCommand(['status', '--state-dir', stateDir]), agentCommand(['doctor', '--state-dir', stateDir])]);
    expect(status.stdout).toMatch(/Last heartbeat .*: online \(not receiving work: .*\), listed, NOT receiving work/);
    expect(status.stdout).toMatch(/Queue: FAILING since \S+ \(\d+ polls\): .*ECONNREFUSED.*\n {2}no assignment can reach this host.*restart the agent/);
    expect(doctor.stdout).toMatch(/\[FAIL\] queue poll \(running agent\): failing since .*\n\s+fix: the agent renews its queue credentials and endpoint/);
    expect(doctor.code).toBe(1);
    // GPU lines follow their own header (issue 15: they came first).
    expect(doctor.stdout).toMatch(/\[ok {2}\] GPUs \(simulated\): 1 GPU\(s\)[^\n]*\n {7}GPU 0: [^\n]*RTX 4090[^\n]*, 24564 MB/);
    expect((await jobStatus(api, renterKey, waiting)).status).toBe('queued');

    // A garbage agent token (checked while the queue comes back): `run` stops with the fix instead of retrying forever.
    const garbageDir = mkdtempSync(join(tmpdir(), 'gpuhive-agent-garbage-'));
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'));
    writeFileSync(join(garbageDir, 'state.json'), JSON.stringify({ ...state, agentToken: 'gha_garbage' }), { mode: 0o600 });
    const refusing = agentCommand(['run', '--state-dir', garbageDir]);

    // SQS answers again: the next poll works, the report clears, and the waiting job runs here.
    await sqsProxy.restore();
    await waitForStatus(api, renterKey, waiting, 'succeeded', 60_000);
    expect(existsSync(join(out, 'after-endpoint-back'))).toBe(true);
    await eventually(async () => expect((await hostOf(api, provider.apiKey)).statusReason).toBeNull(), 30_000);
    await eventually(async () => expect((await agentCommand(['status', '--state-dir', stateDir])).stdout).not.toMatch(/Queue: FAILING/), 30_000);

    const refused = await refusing;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused this host's agent token[\s\S]*fix: .* register --force/);
    rmSync(garbageDir, { recursive: true, force: true });

    // After a drain, status shows the host as the platform left it: offline, not "online (draining)".
    expect((await agentCommand(['drain', '--state-dir', stateDir, '--timeout', '30'])).code).toBe(0);
    const drained = await agentCommand(['status', '--state-dir', stateDir]);
    expect(drained.stdout).toMatch(/Last heartbeat .*: offline \(signed off at \S+\), NOT listed/);
    expect(drained.stdout).not.toMatch(/draining/);
  }, 300_000);
});
