import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';
import { billingQueueDrained } from './support.ts';

let runtime: LocalRuntime;
let api: ApiClient;

// The renewal runs every second here, and a hold must cover all but 2 s of the hour, so a
// renter with 1.5 USD beyond the first hour's hold runs out within seconds at 1,000 USD/h.
// A stopped job's hold is kept through its stop window: 3 s of stop grace and 5 s of skew.
beforeAll(async () => {
  runtime = await startTestRuntime({
    scheduleSeconds: { 'billing-holds': 1 },
    env: { CAPACITY_CACHE_SECONDS: '0.5', HOLD_MIN_COVER_SECONDS: '3598', STOP_GRACE_SECONDS: '3' },
  });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

const usd = (text: string) => Math.round(Number(text) * 1_000_000);

/** Every entry of the caller's ledger, page by page. */
const ledger = async (key: string): Promise<any[]> => {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: any[]; nextCursor: string | null } } = await api.call('GET', `/v1/billing/ledger?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key });
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items;
};

/** A job of one GPU at 1,000 USD/GPU-hour that has started on its host. */
const runningJob = async (credit: string, model: string) => {
  const renter = await fundedRenter(api, runtime, credit);
  const host = await offeredHost(api, runtime, renter.renterKey, {
    gpus: [{ name: `NVIDIA ${model}`, vramMb: 24564, uuid: `GPU-${model.replaceAll(' ', '')}`, index: 0 }],
    pricePerGpuHour: '1000.000000',
  });
  const submitted = await api.call('POST', '/v1/jobs', {
    key: renter.renterKey,
    body: jobBody({ gpu: { count: 1, models: [model] }, maxPricePerGpuHour: '1000.000000', maxDurationSeconds: 86_400 }),
  });
  expect(submitted.status).toBe(202);
  const jobId = submitted.body.jobId as string;
  const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === jobId);
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
  await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
  const startedAt = Date.parse((await jobStatus(api, renter.renterKey, jobId)).assignments[0].startedAt);
  await eventually(async () => expect((await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renter.renterKey })).body.assignments?.[0]?.leaseStart).toBeTruthy());
  return { ...renter, host, jobId, assignmentId: assignment.assignmentId as string, startedAt };
};

// Each test has a renter and hosts of its own, so they run at once: most of their time is waiting for the funds to drain.
describe.concurrent('a renter who runs out of funds', () => {
  it('has the running job stopped (failed, insufficient_funds), the agent cancelled, and the provider paid for every recorded second', async () => {
    const job = await runningJob('1001.500000', 'RTX A6000');
    const records: { eventId: string; assignmentId: string; from: string; to: string; gpuSeconds: number }[] = [];
    let from = job.startedAt;
    const report = async () => {
      const to = Date.now();
      if (to <= from) return;
      const record = { eventId: `u-${records.length}`, assignmentId: job.assignmentId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - from) / 1000 };
      const posted = await api.call('POST', '/v1/agent/usage', { key: job.host.agentToken, body: { records: [record] } });
      expect(posted.body.accepted).toBe(1);
      records.push(record);
      from = to;
    };

    // The agent reports every half second while it runs; the hold drains and cannot be renewed.
    const failed = await eventually(async () => {
      await report();
      await api.call('POST', '/v1/agent/heartbeat', { key: job.host.agentToken, body: { runningAssignments: [job.assignmentId] } });
      const status = await jobStatus(api, job.renterKey, job.jobId);
      expect(status.status).toBe('failed');
      return status;
    }, 60_000);

    expect(failed.statusReason).toBe('insufficient_funds');
    const cancel = await waitForMessage(api, job.host.agentToken, (m) => m.type === 'cancel' && m.assignmentId === job.assignmentId);
    expect(cancel).toMatchObject({ jobId: job.jobId, reason: 'insufficient_funds' });
    // The agent stops: its last interval, up to the stop, is still billable.
    await report();
    await reportEvent(api, job.host.agentToken, job.assignmentId, 'stopped');
    await eventually(async () => expect((await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey })).body.assignments[0].leaseEnd).toBeTruthy());
    // A resend of everything (as an agent's outbox would after an outage) bills nothing more,
    // and usage after the lease ended is refused, not billed.
    const resent = await api.call('POST', '/v1/agent/usage', { key: job.host.agentToken, body: { records } });
    expect(resent.body).toMatchObject({ accepted: 0, duplicates: records.length });
    const after = { eventId: 'after-stop', assignmentId: job.assignmentId, from: new Date(Date.now() + 10_000).toISOString(), to: new Date(Date.now() + 20_000).toISOString(), gpuSeconds: 10 };
    const late = await api.call('POST', '/v1/agent/usage', { key: job.host.agentToken, body: { records: [after] } });
    expect(late.body.rejected).toEqual([{ eventId: 'after-stop', assignmentId: job.assignmentId, reason: 'outside_lease' }]);

    await billingQueueDrained(runtime, 'billing-usage');
    await billingQueueDrained(runtime, 'billing-jobs');
    const usage = (await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: job.renterKey })).body;
    expect(usage.records).toMatchObject({ accepted: records.length, rejected: 1 });
    const renterCharges = (await ledger(job.renterKey)).filter((e: { kind: string }) => e.kind === 'usage_charge');
    const providerEntries = await ledger(job.host.providerKey);
    expect(renterCharges).toHaveLength(records.length);
    // The provider earns each charge minus the fee, rounded down: every recorded second is paid.
    const earned = new Map(providerEntries.map((entry: { reference: string; amount: string }) => [entry.reference, usd(entry.amount)]));
    for (const charge of renterCharges) {
      expect(earned.get(charge.reference)).toBe(Math.floor((-usd(charge.amount) * 9_000) / 10_000));
    }
    const renterBalance = (await api.call('GET', '/v1/billing/balance', { key: job.renterKey })).body;
    const providerBalance = (await api.call('GET', '/v1/billing/balance', { key: job.host.providerKey })).body;
    const charged = renterCharges.reduce((total: number, entry: { amount: string }) => total - usd(entry.amount), 0);
    expect(usd(providerBalance.balance)).toBe([...earned.values()].reduce((total: number, amount) => total + (amount as number), 0));
    // Never more than the balance allowed; the rest of the hold is back once the job's stop window has passed.
    expect(usd(renterBalance.balance)).toBe(1_001_500_000 - charged);
    expect(usd(renterBalance.balance)).toBeGreaterThanOrEqual(0);
    await eventually(async () => expect((await api.call('GET', '/v1/billing/balance', { key: job.renterKey })).body).toMatchObject({ held: '0.000000', available: renterBalance.balance }), 30_000);
    const timeline = (await api.call('GET', `/v1/jobs/${job.jobId}/events?limit=100`, { key: job.renterKey })).body.items as { type: string; data?: Record<string, unknown> }[];
    expect(timeline.map((entry) => entry.type)).toContain('balance_low');
    expect(timeline.find((entry) => entry.type === 'failed')?.data).toEqual({ reason: 'insufficient_funds' });
    expect(usd((await jobStatus(api, job.renterKey, job.jobId)).cost)).toBe(charged);
  }, 120_000);

  it('never overdraws when two running jobs of one renter report usage at once: both stop, the balance stays whole', async () => {
    const renter = await fundedRenter(api, runtime, '2001.000000');
    const hosts = await Promise.all(['RTX A5000', 'RTX A4000'].map((model, index) =>
      offeredHost(api, runtime, renter.renterKey, { gpus: [{ name: `NVIDIA ${model}`, vramMb: 24564, uuid: `GPU-two-${index}`, index: 0 }], pricePerGpuHour: '1000.000000' })));
    const jobs: { jobId: string; assignmentId: string; host: (typeof hosts)[number]; from: number; sent: number }[] = [];
    for (const [index, model] of ['RTX A5000', 'RTX A4000'].entries()) {
      const host = hosts[index]!;
      const submitted = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody({ gpu: { count: 1, models: [model] }, maxPricePerGpuHour: '1000.000000', maxDurationSeconds: 86_400 }) });
      const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === submitted.body.jobId);
      await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
      await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
      const startedAt = Date.parse((await jobStatus(api, renter.renterKey, submitted.body.jobId)).assignments[0].startedAt);
      jobs.push({ jobId: submitted.body.jobId as string, assignmentId: assignment.assignmentId as string, host, from: startedAt, sent: 0 });
    }
    await eventually(async () => {
      for (const job of jobs) expect((await api.call('GET', `/v1/jobs/${job.jobId}/usage`, { key: renter.renterKey })).body.assignments?.[0]?.leaseStart).toBeTruthy();
    });
    const report = (job: (typeof jobs)[number]) => {
      const to = Date.now();
      const record = { eventId: `c-${job.sent}`, assignmentId: job.assignmentId, from: new Date(job.from).toISOString(), to: new Date(to).toISOString(), gpuSeconds: (to - job.from) / 1000 };
      job.from = to;
      job.sent += 1;
      return api.call('POST', '/v1/agent/usage', { key: job.host.agentToken, body: { records: [record] } });
    };

    const observed: { balance: number; available: number }[] = [];
    await eventually(async () => {
      await Promise.all(jobs.filter((job) => job.sent < 200).map(report));
      const balance = (await api.call('GET', '/v1/billing/balance', { key: renter.renterKey })).body;
      observed.push({ balance: usd(balance.balance), available: usd(balance.available) });
      for (const job of jobs) expect((await jobStatus(api, renter.renterKey, job.jobId)).status).toBe('failed');
    }, 60_000);

    expect(observed.every((seen) => seen.available >= 0 && seen.balance >= 0)).toBe(true);
    for (const job of jobs) expect((await jobStatus(api, renter.renterKey, job.jobId)).statusReason).toBe('insufficient_funds');
    await billingQueueDrained(runtime, 'billing-usage');
    const charged = (await ledger(renter.renterKey)).filter((e) => e.kind === 'usage_charge').reduce((total, e) => total - usd(e.amount), 0);
    const final = (await api.call('GET', '/v1/billing/balance', { key: renter.renterKey })).body;
    expect(usd(final.balance)).toBe(2_001_000_000 - charged);
    expect(usd(final.balance)).toBeGreaterThanOrEqual(0);
    expect(usd(final.available)).toBeGreaterThanOrEqual(0);
  }, 120_000);
});
