import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';

/**
 * Verification end to end: the local runtime and real `gpuhive-agent` processes with the
 * simulated verifier backend, one honest and one per cheating mode, each a GPU model of its
 * own so jobs can be aimed at it. Runs recur every few seconds (a short mean interval), so the
 * replayed commitment has a first run to replay.
 */
let runtime: LocalRuntime;
let api: ApiClient;
let providerKey: string;
const agents: AgentProcess[] = [];
const hosts: Record<string, { hostId: string; stateDir: string; agent: AgentProcess }> = {};

const HOSTS = {
  honest: { gpus: 'RTX 4090:24564x1', env: {} },
  'wrong-product': { gpus: 'RTX 4080:16376x1', env: { GPUHIVE_VERIFY_CHEAT: 'wrong-product' } },
  replay: { gpus: 'L40S:46068x1', env: { GPUHIVE_VERIFY_CHEAT: 'replay' } },
  'less-vram': { gpus: 'A10:23028x1', env: { GPUHIVE_VERIFY_CHEAT: 'less-vram', GPUHIVE_SIMULATED_VRAM_MB: '6000' } },
  // 2% of an RTX 3090's speed, reporting full speed: each GPU's run takes ~7 s against a ~3 s deadline.
  slow: { gpus: 'RTX 3090:24576x2', env: { GPUHIVE_VERIFY_CHEAT: 'slow' } },
  // The same at 0.2%: a run that would take over a minute, for a renter's job to interrupt.
  patient: { gpus: 'RTX 3080:10240x1', env: { GPUHIVE_VERIFY_CHEAT: 'slow', GPUHIVE_SIMULATED_SLOW_FACTOR: '0.002' } },
} as const;
type Name = keyof typeof HOSTS;

const hostView = async (name: Name) => (await api.call('GET', `/v1/hosts/${hosts[name]!.hostId}`, { key: providerKey })).body;

beforeAll(async () => {
  runtime = await startTestRuntime({
    env: {
      HEARTBEAT_INTERVAL_SECONDS: '1',
      CAPACITY_CACHE_SECONDS: '0.5',
      VERIFICATION_MEAN_INTERVAL_SECONDS: '4',
      VERIFICATION_RETRY_AFTER_SECONDS: '1',
      VERIFICATION_OVERHEAD_SECONDS: '3',
    },
  });
  api = apiClient(runtime.apiUrl);
  const provider = await newAccount(api, runtime.adminKey, 'provider', 'Honest and Not');
  providerKey = provider.body.apiKey;
  // One host after the other: six agents starting and verifying at the same moment on two busy
  // cores make the first runs miss their deadline, and a cheat would then fail for being late.
  for (const [name, host] of Object.entries(HOSTS) as [Name, (typeof HOSTS)[Name]][]) {
    const stateDir = mkdtempSync(join(tmpdir(), `gpuhive-verify-${name}-`));
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey });
    expect(token.status).toBe(201);
    const registered = await agentCommand([
      'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.50', '--region', 'eu-west',
      '--simulate-gpus', host.gpus, '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
    ]);
    expect(registered.code, registered.stderr).toBe(0);
    // From the sources, as a clone runs it: the simulated verifier then computes in the agent's own
    // process, with V8's optimizing compiler. The bundle runs it in a child under lite mode, about three
    // times slower: with six hosts verifying every few seconds, that is the machine's CPU, and honest
    // runs miss their few seconds' deadline on a busy machine.
    const agent = startAgent(['--state-dir', stateDir, '--poll-wait', '2', '--stop-grace', '2'], { GPUHIVE_VERIFY_BACKEND: 'simulated', ...host.env }, 'launcher');
    agents.push(agent);
    hosts[name] = { hostId: (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { hostId: string }).hostId, stateDir, agent };
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop('SIGKILL')));
  await runtime?.stop();
});

describe('host verification with real agents', () => {
  it('never delays a renter: a job aimed at a host mid-verification starts, and the run is aborted', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    // The patient host's runs take over a minute: wait until one is in flight, then send it a job.
    const inFlight = await eventually(async () => {
      const host = await hostView('patient');
      expect(host.verification.inFlight).not.toBeNull();
      expect(host.verification.inFlight.committedAt).toBeNull();
      // Issued is not enough: the agent must be computing it (its log says so) when the job comes.
      expect(hosts.patient!.agent.output()).toContain(`verification started runId=${host.verification.inFlight.runId}`);
      return host.verification.inFlight;
    }, 60_000);
    const submitted = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { command: ['sh', '-c', 'sleep 1'], gpu: { count: 1, models: ['RTX 3080'] }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600, restartPolicy: 'never', verified: false },
    });
    expect(submitted.status).toBe(202);
    const done = await waitForStatus(api, renterKey, submitted.body.jobId, 'succeeded', 60_000);
    expect(done.assignments[0].hostId).toBe(hosts.patient!.hostId);
    const aborted = await eventually(async () => {
      const host = await hostView('patient');
      const run = host.verification.runs.find((candidate: { runId: string }) => candidate.runId === inFlight.runId);
      expect(run?.outcome).toBe('aborted');
      return run;
    }, 30_000);
    // The run gave way long before its work (~73 s) could have finished.
    expect(Date.parse(aborted.endedAt) - Date.parse(inFlight.issuedAt)).toBeLessThan(70_000);
    expect(Date.parse(done.startedAt)).toBeLessThan(Date.parse(inFlight.issuedAt) + 70_000);
  }, 120_000);

  it('verifies an honest simulated host, lists it with its score, and the agent shows the run', async () => {
    const view = await eventually(async () => {
      const host = await hostView('honest');
      expect(host.verification.state).toBe('verified');
      return host;
    }, 60_000);
    expect(view.acceptsWork).toBe(true);
    expect(view.verification.score).toBeGreaterThan(20);
    expect(view.verification.gpus[0]).toMatchObject({ index: 0, model: 'RTX 4090' });
    expect(view.verification.runs.some((run: { outcome: string }) => run.outcome === 'passed')).toBe(true);

    const { renterKey } = await fundedRenter(api, runtime);
    const offers = await eventually(async () => {
      const items = (await api.call('GET', '/v1/offers?verified=true', { key: renterKey })).body.items;
      expect(items.map((offer: { hostId: string }) => offer.hostId)).toContain(hosts.honest!.hostId);
      return items;
    }, 20_000);
    const offer = offers.find((item: { hostId: string }) => item.hostId === hosts.honest!.hostId);
    expect(offer).toMatchObject({ verified: true, gpuModel: 'RTX 4090' });
    expect(offer.score).toBeGreaterThan(20);
    expect(Number(offer.usdPerScore)).toBeCloseTo(0.5 / offer.score, 5);

    const status = await agentCommand(['status', '--state-dir', hosts.honest!.stateDir]);
    // On a busy machine an honest run can miss its deadline before one passes: the passed run is listed among them.
    expect(status.stdout).toMatch(/Verification: latest runs\n(?:.*\n)*?.*\(simulated\): passed, score \d+/);
  }, 90_000);

  it.each([
    ['wrong-product', /Freivalds check/],
    ['replay', /replayed/],
    ['less-vram', /memory chunk \d+ did not hold the pattern/],
    ['slow', /after its deadline/],
  ] as const)('fails the %s cheat with a reason the provider can act on, and unlists the host', async (name, reason) => {
    // On a busy machine a cheat's first run can also come late, and fail for that (rightly); the
    // platform runs it again, and the cheat itself must then be what fails it.
    const view = await eventually(async () => {
      const host = await hostView(name);
      expect(host.verification.state).toBe('failed');
      expect(host.verification.reason).toMatch(reason);
      return host;
    }, 90_000);
    expect(view.acceptsWork).toBe(false);
    expect(view.statusReason).toMatch(/unlisted until it passes verification again/);
    const { renterKey } = await fundedRenter(api, runtime);
    await eventually(async () => {
      const offers = (await api.call('GET', '/v1/offers?verified=false', { key: renterKey })).body.items;
      expect(offers.map((offer: { hostId: string }) => offer.hostId)).not.toContain(hosts[name]!.hostId);
    }, 20_000);
  }, 120_000);

  it('never places a renter who asks for verified hosts on an unverified one, however cheap', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    // A cheaper host with no verifier at all (registered through the API): never verified.
    const unverified = await onboardHost(api, runtime.adminKey, { pricePerGpuHour: '0.100000', runtimes: ['process'] });
    await eventually(async () => {
      const offers = (await api.call('GET', '/v1/offers?verified=false', { key: renterKey })).body.items;
      expect(offers.find((offer: { hostId: string }) => offer.hostId === unverified.hostId)).toMatchObject({ verified: false, score: null });
    }, 20_000);
    await eventually(async () => expect((await hostView('honest')).verification.state).toBe('verified'), 60_000);

    const submitted = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { command: ['true'], gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600, restartPolicy: 'never', verified: true },
    });
    expect(submitted.status).toBe(202);
    const done = await waitForStatus(api, renterKey, submitted.body.jobId, 'succeeded', 60_000);
    expect(done.verified).toBe(true);
    expect(done.assignments.map((assignment: { hostId: string }) => assignment.hostId)).toEqual([hosts.honest!.hostId]);

    // Only the unverified host has an A10-class GPU left: the job waits, saying why.
    const waiting = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { command: ['true'], gpu: { count: 1, models: ['RTX 4090'] }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600, restartPolicy: 'never', minScore: 100_000 },
    });
    await eventually(async () => {
      const job = await jobStatus(api, renterKey, waiting.body.jobId);
      expect(job.status).toBe('queued');
      expect(job.statusReason).toMatch(/on verified hosts scoring at least 100000/);
    }, 20_000);
    expect((await api.call('POST', `/v1/jobs/${waiting.body.jobId}/cancel`, { key: renterKey })).status).toBe(202);
  }, 120_000);

});
