import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, schedulesEvery, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobStatus, waitForStatus } from '#test/support/marketplace.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';

/**
 * The interruptible tier end to end (docs/interruptible.md): a real `gpuhive-agent` with one
 * simulated GPU running process jobs. A bidder's job takes the idle GPU; on-demand work
 * preempts it (the job sees SIGTERM) and gets the GPU within the preemption grace; the
 * bidder is re-queued and runs again later, told it was restarted; of two waiting bids the
 * higher wins; the host's minimum bid (PATCH) keeps a lower bid out.
 */
const GRACE_SECONDS = 15;
let runtime: LocalRuntime;
let api: ApiClient;
let agent: AgentProcess | undefined;
let providerKey: string;
let hostId: string;
const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-interruptible-agent-'));
const out = mkdtempSync(join(tmpdir(), 'gpuhive-interruptible-out-'));
/** The bidder's webhook endpoint: every body it was sent. */
let hooks: WebhookReceiver;
const received = (): { type: string; data: Record<string, unknown> }[] => hooks.received.map((request) => JSON.parse(request.body));

/** A checkpointing trainer: notes each run (and why it restarted), writes a file on SIGTERM and exits. */
const trainer = [
  process.execPath,
  '-e',
  [
    "const fs = require('fs'); const at = (f) => process.env.OUT + '/' + process.env.NAME + '-' + f;",
    "const run = process.env.GPUHIVE_RESTART_COUNT || '0';",
    "fs.appendFileSync(at('runs'), 'run ' + run + ' ' + (process.env.GPUHIVE_RESTART_REASON || '') + '\\n');",
    "process.on('SIGTERM', () => { fs.appendFileSync(at('sigterm'), 'run ' + run + '\\n'); process.exit(0); });",
    'setInterval(() => {}, 1000);',
  ].join(' '),
];

/** On-demand work that runs until the test lets it finish. */
const untilReleased = (name: string) => [process.execPath, '-e', `const fs = require('fs'); fs.writeFileSync('${out}/${name}-started', ''); setInterval(() => { if (fs.existsSync('${out}/${name}-release')) process.exit(0); }, 100);`];

const bid = (name: string, bidPerGpuHour: string) => ({ command: trainer, env: { OUT: out, NAME: name }, gpu: { count: 1 }, tier: 'interruptible', bidPerGpuHour, maxDurationSeconds: 3600 });

const submit = async (key: string, body: Record<string, unknown>): Promise<string> => {
  const response = await api.call('POST', '/v1/jobs', { key, body });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body.jobId as string;
};

const timeline = async (key: string, jobId: string) => (await api.call('GET', `/v1/jobs/${jobId}/events`, { key })).body.items as { at: string; type: string; message: string; data?: Record<string, unknown> }[];
const lines = (file: string) => (existsSync(join(out, file)) ? readFileSync(join(out, file), 'utf8').replace(/\n$/, '').split('\n') : []);
const liveAssignment = (job: { assignments: { state: string; pricePerGpuHour: string; startedAt: string | null; endedAt: string | null }[] }) => job.assignments.at(-1);

beforeAll(async () => {
  hooks = await startWebhookReceiver({ statuses: [200] });
  runtime = await startTestRuntime({
    env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5', PREEMPTION_GRACE_SECONDS: String(GRACE_SECONDS), PREEMPT_MIN_RUN_SECONDS: '1' },
    // The matching sweep retries the queued bids (step 4 waits for one to be refused by the host minimum); no other sweep is waited on.
    scheduleSeconds: schedulesEvery(2, ['matching-sweep']),
  });
  api = apiClient(runtime.apiUrl);
  const provider = await newAccount(api, runtime.adminKey, 'provider', 'Idle Rigs');
  providerKey = provider.body.apiKey;
  const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: providerKey });
  const registered = await agentCommand([
    'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.90', '--min-bid', '0.30', '--region', 'eu-west',
    '--simulate-gpus', 'RTX 4090:24564x1', '--allow-process-jobs', '--no-docker', '--state-dir', stateDir,
  ]);
  expect(registered.code, registered.stderr).toBe(0);
  agent = startAgent(['--state-dir', stateDir, '--stop-grace', '5', '--poll-wait', '1']);
  const host = await eventually(async () => {
    const [shown] = (await api.call('GET', '/v1/hosts', { key: providerKey })).body.items;
    expect(shown).toMatchObject({ status: 'online', minBidPerGpuHour: '0.300000' });
    return shown as { hostId: string };
  }, 30_000);
  hostId = host.hostId;
}, 90_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await runtime?.stop();
  await hooks?.stop();
  for (const dir of [stateDir, out]) rmSync(dir, { recursive: true, force: true });
});

describe('interruptible work on a real agent', () => {
  it('runs a bid on the idle GPU, gives it to on-demand work within the grace, re-queues the bidder, prefers the higher bid and honours the host minimum', async () => {
    const bidder = await fundedRenter(api, runtime);
    const onDemand = await fundedRenter(api, runtime);

    // 1. A bid on the idle GPU runs at the bid, not the list price.
    const x = await submit(bidder.renterKey, bid('x', '0.500000'));
    await waitForStatus(api, bidder.renterKey, x, 'running', 30_000);
    expect(liveAssignment(await jobStatus(api, bidder.renterKey, x))).toMatchObject({ state: 'running', pricePerGpuHour: '0.500000' });
    await eventually(async () => expect(lines('x-runs')).toEqual(['run 0 ']), 15_000);
    const offers = (await api.call('GET', '/v1/offers?limit=100', { key: onDemand.renterKey })).body.items;
    expect(offers).toEqual([expect.objectContaining({ hostId, availableGpus: 0, preemptibleGpus: 1, minBidPerGpuHour: '0.300000', lowestRunningBidPerGpuHour: '0.500000' })]);

    expect((await api.call('POST', '/v1/webhooks', { key: bidder.renterKey, body: { url: hooks.url, events: ['job.preempted'] } })).status).toBe(201);

    // 2. On-demand work arrives: it is placed at once on the bidder's GPU, the bidder gets SIGTERM and is re-queued.
    const d = await submit(onDemand.renterKey, { command: untilReleased('d'), gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600, restartPolicy: 'never' });
    await waitForStatus(api, onDemand.renterKey, d, 'running', 60_000);
    await eventually(async () => expect(lines('x-sigterm')).toEqual(['run 0']), 15_000);
    const dPlaced = (await timeline(onDemand.renterKey, d)).find((entry) => entry.type === 'placed');
    const dStarted = liveAssignment(await jobStatus(api, onDemand.renterKey, d))?.startedAt;
    expect(Date.parse(dStarted ?? '') - Date.parse(dPlaced?.at ?? '')).toBeLessThanOrEqual(GRACE_SECONDS * 1000);

    const preempted = await eventually(async () => {
      const job = await jobStatus(api, bidder.renterKey, x);
      expect(job).toMatchObject({ status: 'queued', preemptions: 1, tier: 'interruptible', bidPerGpuHour: '0.500000', restartPolicy: 'on-preemption' });
      expect(job.assignments[0]).toMatchObject({ state: 'stopped' });
      return job;
    }, 30_000);
    const entry = (await timeline(bidder.renterKey, x)).find((candidate) => candidate.type === 'preempted');
    expect(entry).toMatchObject({ data: { byJobId: d, cause: 'on-demand' } });
    // Billing ends at the deadline at the latest: the lease ended by it.
    expect(Date.parse(preempted.assignments[0].endedAt)).toBeLessThanOrEqual(Date.parse(String(entry?.data?.deadline)));
    // The renter's webhook hears it.
    await eventually(async () => expect(received()).toEqual([expect.objectContaining({ type: 'job.preempted', data: expect.objectContaining({ jobId: x, cause: 'on-demand', requeued: true, hostIds: [hostId] }) })]), 30_000);

    // 3. While the on-demand job runs, a higher bid arrives; when the GPU is free, it wins over the re-queued bidder.
    const y = await submit(bidder.renterKey, bid('y', '0.600000'));
    await eventually(async () => expect((await jobStatus(api, bidder.renterKey, y)).statusReason).toMatch(/bidding 0\.600000/), 15_000);
    writeFileSync(join(out, 'd-release'), '');
    await waitForStatus(api, onDemand.renterKey, d, 'succeeded', 30_000);
    await waitForStatus(api, bidder.renterKey, y, 'running', 30_000);
    expect((await jobStatus(api, bidder.renterKey, x)).status).toBe('queued');

    // 4. The host's minimum (PATCH) now keeps the 0.50 bid out, even with the GPU free again.
    const patched = await api.call('PATCH', `/v1/hosts/${hostId}`, { key: providerKey, body: { minBidPerGpuHour: '0.550000' } });
    expect(patched.status).toBe(200);
    expect((await api.call('PATCH', `/v1/hosts/${hostId}`, { key: providerKey, body: { minBidPerGpuHour: '0.950000' } })).status).toBe(400);
    await eventually(async () => {
      const [offer] = (await api.call('GET', '/v1/offers?limit=100', { key: onDemand.renterKey })).body.items;
      expect(offer).toMatchObject({ minBidPerGpuHour: '0.550000' });
    }, 15_000);
    expect((await api.call('POST', `/v1/jobs/${y}/cancel`, { key: bidder.renterKey })).status).toBe(202);
    await waitForStatus(api, bidder.renterKey, y, 'cancelled', 30_000);
    await eventually(async () => {
      const [offer] = (await api.call('GET', '/v1/offers?limit=100', { key: onDemand.renterKey })).body.items;
      expect(offer).toMatchObject({ availableGpus: 1 });
    }, 30_000);
    await eventually(async () => expect((await jobStatus(api, bidder.renterKey, x)).statusReason).toMatch(/no online host offers 1x GPU bidding 0\.500000/), 30_000);

    // 5. A lower minimum lets it in: it runs again, told how often and why it was restarted.
    expect((await api.call('PATCH', `/v1/hosts/${hostId}`, { key: providerKey, body: { minBidPerGpuHour: '0.450000' } })).status).toBe(200);
    await waitForStatus(api, bidder.renterKey, x, 'running', 30_000);
    await eventually(async () => expect(lines('x-runs')).toEqual(['run 0 ', `run 1 preempted by on-demand work (${d})`]), 15_000);
    expect((await api.call('POST', `/v1/jobs/${x}/cancel`, { key: bidder.renterKey })).status).toBe(202);
    await waitForStatus(api, bidder.renterKey, x, 'cancelled', 30_000);
  }, 240_000);
});
