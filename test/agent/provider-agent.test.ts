import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutboxFile } from '#agent/core/outbox.ts';
import { statePaths } from '#agent/config/state.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, startCuttableProxy, type AgentProcess } from './support.ts';

/**
 * The provider agent end to end: the local runtime, two real `gpuhive-agent` processes with
 * simulated GPUs that run command jobs as processes, talking to the API through a proxy the
 * test cuts for a while (OUTAGE_MS at least). Every job's effect is checked on the agent's side
 * and the platform's.
 */
let runtime: LocalRuntime;
let api: ApiClient;
let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
const agents: AgentProcess[] = [];
const out = mkdtempSync(join(tmpdir(), 'gpuhive-agent-e2e-out-'));
const stateDirs = [mkdtempSync(join(tmpdir(), 'gpuhive-agent-a-')), mkdtempSync(join(tmpdir(), 'gpuhive-agent-b-'))];

beforeAll(async () => {
  // The skew allowance (default 5 s) also covers how late the platform hears `started`: on a
  // busy machine the agents' events queue behind five jobs' worth of others, and a job's first
  // usage would then fall before its lease and be rejected, which is not what this test is about.
  runtime = await startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5', USAGE_CLOCK_SKEW_SECONDS: '30' } });
  api = apiClient(runtime.apiUrl);
  proxy = await startCuttableProxy({ host: '127.0.0.1', port: Number(new URL(runtime.apiUrl).port) });
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  await proxy?.close();
  await runtime?.stop();
});

const submit = async (renterKey: string, command: string, extra: Record<string, unknown> = {}) => {
  const response = await api.call('POST', '/v1/jobs', {
    key: renterKey,
    body: { command: ['sh', '-c', command], env: { OUT: out }, gpu: { count: 1 }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600, restartPolicy: 'never', ...extra },
  });
  expect(response.status).toBe(202);
  return response.body.jobId as string;
};

const fileOf = (name: string) => join(out, name);
const read = (name: string) => readFileSync(fileOf(name), 'utf8').trim();

/** Registers one host through the proxy with its own state dir, and starts its agent. */
const registerAndStart = async (providerKey: string, stateDir: string): Promise<AgentProcess> => {
  const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey });
  expect(token.status).toBe(201);
  const registered = await agentCommand([
    'register', '--api', proxy.url, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west',
    '--public-address', '127.0.0.1', '--simulate-gpus', 'RTX 4090:24564x3', '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
  ]);
  expect(registered.stderr).toBe('');
  expect(registered.code).toBe(0);
  expect(statSync(join(stateDir, 'state.json')).mode & 0o777).toBe(0o600);
  return startAgent(['--state-dir', stateDir, '--usage-interval', '1', '--stop-grace', '3', '--poll-wait', '5']);
};

/**
 * Each job but the outage's sleeps 0.3 s after its work: 1 GPU at $0.45/h costs 0.125 µUSD per
 * GPU-millisecond, so a job that ends in 3 ms (as `exit 3` does on a busy machine) rates 0 µUSD by
 * the rounding rule, and its cost could not show that its usage was billed.
 */
const ACCRUE = 'sleep 0.3';

/**
 * The API outage lasts until what it must prove has happened inside it (the job ended, its end
 * and usage wait in its agent's outbox, every agent's heartbeat failed), and at least the 20 s
 * the agent's issue names: past the outbox's first back-offs (0.5, 1, 2, 4 and 8 s at most) and
 * many heartbeats (every 1 s here, or 2 s after a failure), so delivery has failed and backed off
 * several times before the API answers again.
 */
const OUTAGE_MS = 20_000;

describe('gpuhive-agent with the local backend', () => {
  it('registers two hosts, runs, cancels and gangs jobs, and loses nothing across a 20 s API outage', async () => {
    const provider = await newAccount(api, runtime.adminKey, 'provider', 'Agent Farm');
    const { renterKey } = await fundedRenter(api, runtime);

    // register: hardware detection (simulated), state file 0600, the host online
    agents.push(...(await Promise.all(stateDirs.map((stateDir) => registerAndStart(provider.body.apiKey, stateDir)))));
    await eventually(async () => {
      const hosts = (await api.call('GET', '/v1/hosts', { key: provider.body.apiKey })).body.items;
      expect(hosts.map((host: { status: string; runtimes: string[] }) => [host.status, host.runtimes])).toEqual([['online', ['process']], ['online', ['process']]]);
    }, 60_000);

    // four jobs at once, plus the one that runs through the outage (it waits for the test's go, given once the API is cut)
    const [writes, exits3, cancelled, gang, outage] = await Promise.all([
      submit(renterKey, `echo "gpus=$CUDA_VISIBLE_DEVICES" > "$OUT/writes.txt"; ${ACCRUE}`),
      submit(renterKey, `echo "about to fail" >&2; ${ACCRUE}; exit 3`),
      submit(renterKey, 'trap "echo term > \\"$OUT/cancelled-term\\"; exit 143" TERM; echo up > "$OUT/cancelled-up"; while true; do sleep 0.2; done'),
      submit(renterKey, `echo "$RANK $WORLD_SIZE $MASTER_ADDR $GPUHIVE_PEERS" > "$OUT/gang-$GPUHIVE_RANK.txt"; ${ACCRUE}`, { hosts: 2 }),
      submit(renterKey, 'echo up > "$OUT/outage-up"; while [ ! -e "$OUT/outage-go" ]; do sleep 0.1; done; sleep 4; echo done > "$OUT/outage-done"'),
    ]);

    // The four jobs' outcomes, checked while the outage below goes on: their events reach the
    // platform before the cut, or wait in the agents' outboxes through it.
    const fourJobs = (async () => {
      await eventually(async () => expect(existsSync(fileOf('cancelled-up'))).toBe(true), 60_000);
      expect((await api.call('POST', `/v1/jobs/${cancelled}/cancel`, { key: renterKey })).status).toBe(202);

      const succeeded = await waitForStatus(api, renterKey, writes, 'succeeded', 60_000);
      expect(read('writes.txt')).toMatch(/^gpus=[0-2]$/);
      expect(succeeded.assignments[0].exitCode).toBe(0);

      const failed = await waitForStatus(api, renterKey, exits3, 'failed', 60_000);
      expect(failed.statusReason).toMatch(/exit_code|code 3/);
      expect(failed.assignments[0].exitCode).toBe(3);

      await waitForStatus(api, renterKey, cancelled, 'cancelled', 60_000);
      expect(read('cancelled-term')).toBe('term');

      const ganged = await waitForStatus(api, renterKey, gang, 'succeeded', 60_000);
      expect(new Set(ganged.assignments.map((a: { hostId: string }) => a.hostId)).size).toBe(2);
      expect([read('gang-0.txt'), read('gang-1.txt')]).toEqual(['0 2 127.0.0.1 127.0.0.1,127.0.0.1', '1 2 127.0.0.1 127.0.0.1,127.0.0.1']);

      for (const [name, jobId] of Object.entries({ writes, exits3, gang })) {
        await eventually(async () => expect(Number((await jobStatus(api, renterKey, jobId)).cost), `cost of ${name}`).toBeGreaterThan(0), 30_000);
      }
    })();
    fourJobs.catch(() => undefined); // awaited below; until then a failure must not surface as unhandled

    // the outage: the job keeps running, finishes, and everything it reports waits in the outbox
    await eventually(async () => expect(existsSync(fileOf('outage-up'))).toBe(true), 60_000);
    const outageAssignment = (await waitForStatus(api, renterKey, outage, 'running', 60_000)).assignments[0].assignmentId as string;
    await proxy.cut();
    const cutAt = Date.now();
    // From here the job runs at least 4 s inside its lease (the platform saw it running before the cut).
    writeFileSync(fileOf('outage-go'), '');
    await eventually(async () => expect(existsSync(fileOf('outage-done'))).toBe(true), 30_000);
    expect((await jobStatus(api, renterKey, outage)).status).toBe('running');
    await eventually(async () => {
      const waiting = stateDirs.flatMap((stateDir) => readOutboxFile(statePaths(stateDir).outbox)).filter((entry) => entry.assignmentId === outageAssignment);
      expect(waiting.map((entry) => entry.id)).toContain(`${outageAssignment}/event/exited`);
      expect(waiting.map((entry) => entry.kind)).toContain('usage');
      for (const stateDir of stateDirs) expect(JSON.parse(readFileSync(statePaths(stateDir).heartbeat, 'utf8')).ok).toBe(false);
    }, 30_000);
    // The rest of the outage is the scenario (its length is the point), not a wait for an effect.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    await proxy.restore();

    // nothing sent during the outage was lost: the job ended succeeded, with its usage billed
    await waitForStatus(api, renterKey, outage, 'succeeded', 30_000);
    await eventually(async () => {
      const usage = (await api.call('GET', `/v1/jobs/${outage}/usage`, { key: renterKey })).body;
      expect(usage.gpuSeconds).toBeGreaterThanOrEqual(3.5);
      expect(usage.records.rejected).toBe(0);
      expect(Number((await jobStatus(api, renterKey, outage)).cost)).toBeGreaterThan(0);
    }, 20_000);
    await fourJobs;

    // the agents' own view: every job ended, the outbox empty; doctor: every prerequisite of a
    // simulated host, the API with the agent token, and the queue
    const [doctor] = await Promise.all([
      agentCommand(['doctor', '--state-dir', stateDirs[0]!]),
      ...stateDirs.map((stateDir) => eventually(async () => {
        const status = JSON.parse((await agentCommand(['status', '--json', '--state-dir', stateDir])).stdout);
        expect(status.agent.running).toBe(true);
        expect(status.jobs).toEqual([]);
        expect(status.outbox.event + status.outbox.usage).toBe(0);
        expect(status.lastHeartbeat).toMatchObject({ ok: true, status: 'online', listed: true });
      }, 20_000)),
    ]);
    expect(doctor.stdout).toMatch(/\[ok  \] GPUs \(simulated\): 3 GPU\(s\)/);
    expect(doctor.stdout).toMatch(/\[ok  \] API: .* accepts the agent token/);
    expect(doctor.stdout).toMatch(/\[ok  \] queue \(SQS\): .* reachable/);
    expect(doctor.code).toBe(0);

    // drain signs the first host off (offline at once); SIGTERM stops the second cleanly
    const drained = await agentCommand(['drain', '--state-dir', stateDirs[0]!, '--timeout', '30']);
    expect(drained.code).toBe(0);
    expect(await agents[0]!.exited).toBe(0);
    expect(await agents[1]!.stop('SIGTERM')).toBe(0);
    const hosts = (await api.call('GET', '/v1/hosts', { key: provider.body.apiKey })).body.items;
    expect(hosts.map((host: { status: string }) => host.status).sort()).toEqual(['offline', 'online']);
  }, 240_000);
});
