import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { parseUsd } from '#platform/money.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { startWebhookReceiver, type WebhookReceiver } from '#test/support/webhook-receiver.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage, waitForStatus } from '#test/support/marketplace.ts';
import { billingQueueDrained, localBus } from './support.ts';

/** Earnings are payable 1 s after they were posted here, instead of 7 days (each settlement is waited out, three times). */
const DELAY_SECONDS = 1;

let runtime: LocalRuntime;
let api: ApiClient;
let bus: ReturnType<typeof localBus>;
let financeKey: string;
let hook: WebhookReceiver;
const startedAt = new Date(Date.now() - 60_000).toISOString();

const micro = (text: string): number => (text.startsWith('-') ? -(parseUsd(text.slice(1)) ?? NaN) : (parseUsd(text) ?? NaN));
const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
const thisMonth = () => new Date().toISOString().slice(0, 7);

const account = async (kind: 'renter' | 'provider' | 'finance') => {
  const created = await newAccount(api, runtime.adminKey, kind, `A ${kind}`);
  return { accountId: created.body.accountId as string, key: created.body.apiKey as string };
};

/** A provider with a PayPal method and a webhook for payout.paid. */
const payableProvider = async (email: string) => {
  const provider = await account('provider');
  const method = await api.call('PUT', '/v1/payouts/method', { key: provider.key, body: { type: 'paypal', details: { email } } });
  expect(method.status).toBe(200);
  return provider;
};

/** Usage records as metering publishes them, charged by billing's own consumer. */
const chargedUsage = async (renterId: string, providerId: string, gpuSeconds: readonly number[]) => {
  const now = Date.now();
  for (const seconds of gpuSeconds) {
    const jobId = newId('job');
    await bus.publish(events.usageRecorded, {
      usageRecordId: newId('use'), assignmentId: `${jobId}.a1.r0`, jobId, renterId, providerId, hostId: 'host_payouts', gpuModel: 'RTX 4090', gpuSeconds: seconds,
      from: new Date(now - seconds * 1000).toISOString(), to: new Date(now).toISOString(), pricePerGpuHour: 900_000, recordedAt: new Date(now).toISOString(),
    });
  }
  await billingQueueDrained(runtime, 'billing-usage');
};

const balanceOf = async (key: string) => micro((await api.call('GET', '/v1/billing/balance', { key })).body.balance);

/** Resolves once every entry on the provider's ledger is older than the settlement delay (no batch runs meanwhile). */
const settled = (key: string) =>
  eventually(async () => {
    const ledger = await api.call('GET', '/v1/billing/ledger', { key });
    expect(Date.now() - Date.parse(ledger.body.items[0].postedAt)).toBeGreaterThan(DELAY_SECONDS * 1000 + 500);
  }, 30_000);

/** A batch made by finance now, and its payout to `providerId`. */
const batchPaying = async (providerId: string) => {
  const batch = await api.call('POST', '/v1/finance/payout-batches', { key: financeKey });
  expect(batch.status).toBe(201);
  const payouts = batch.body.items.filter((item: { providerId: string }) => item.providerId === providerId);
  expect(payouts).toHaveLength(1);
  return { batch: batch.body, payout: payouts[0] };
};

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { PAYOUT_SETTLEMENT_DELAY_SECONDS: String(DELAY_SECONDS), CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
  bus = localBus(runtime);
  financeKey = (await account('finance')).key;
  hook = await startWebhookReceiver({ statuses: [200] });
}, 60_000);
afterAll(async () => {
  await hook?.stop();
  await runtime?.stop();
});

describe('payout methods', () => {
  it('saves a method and shows it masked; refuses an unknown rail, bad details and a non-positive threshold by name', async () => {
    const provider = await account('provider');
    const put = await api.call('PUT', '/v1/payouts/method', {
      key: provider.key, body: { type: 'bank_transfer', details: { accountHolderName: 'Ada GmbH', iban: 'DE89 3704 0044 0532 0130 00' }, threshold: '25.00' },
    });
    const got = await api.call('GET', '/v1/payouts/method', { key: provider.key });
    const bad = await Promise.all([
      api.call('PUT', '/v1/payouts/method', { key: provider.key, body: { type: 'crypto', details: {} } }),
      api.call('PUT', '/v1/payouts/method', { key: provider.key, body: { type: 'bank_transfer', details: { accountHolderName: 'Ada', iban: 'DE89370400440532013001' } } }),
      api.call('PUT', '/v1/payouts/method', { key: provider.key, body: { type: 'paypal', details: { email: 'ada@example.com' }, threshold: '0' } }),
    ]);

    expect(put.status).toBe(200);
    expect(got.body).toEqual({ type: 'bank_transfer', details: { accountHolderName: 'Ada GmbH', iban: 'DE89**************3000' }, threshold: '25.000000', updatedAt: expect.any(String) });
    expect(bad.map((answer) => [answer.status, answer.body.error.details.map((issue: { field: string }) => issue.field)])).toEqual([
      [400, ['type']], [400, ['details.iban']], [400, ['threshold']],
    ]);
    expect((await api.call('GET', '/v1/payouts/method', { key: (await account('provider')).key })).status).toBe(404);
    expect((await api.call('PUT', '/v1/payouts/method', { key: financeKey, body: { type: 'paypal', details: { email: 'a@b.co' } } })).status).toBe(403);
  });
});

describe('payouts on the local services', () => {
  it('pays earnings from real usage once settled, finance marks them paid (payout.paid webhook), and exports and statements agree to the micro-dollar', async () => {
    // A real job on a real host, at $90/GPU-hour: 2 GPU-seconds earn the provider 45,000 µUSD (the platform keeps 10%).
    const renter = await fundedRenter(api, runtime, '100.000000');
    const host = await offeredHost(api, runtime, renter.renterKey, { gpus: [{ name: 'NVIDIA GeForce RTX 4080', vramMb: 16376, uuid: `GPU-pay-${randomUUID()}`, index: 0 }], pricePerGpuHour: '90.000000' });
    const method = await api.call('PUT', '/v1/payouts/method', { key: host.providerKey, body: { type: 'paypal', details: { email: 'acme@example.com' } } });
    const webhook = await api.call('POST', '/v1/webhooks', { key: host.providerKey, body: { url: hook.url, events: ['payout.paid'] } });
    expect([method.status, webhook.status]).toEqual([200, 201]);
    const job = await api.call('POST', '/v1/jobs', { key: renter.renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 4080'] }, maxPricePerGpuHour: '100.000000', maxDurationSeconds: 600 }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === job.body.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const leaseStart = new Date((await jobStatus(api, renter.renterKey, job.body.jobId)).assignments[0].startedAt);
    const records = [0, 1].map((index) => ({
      eventId: `usage-${index}`, assignmentId: assignment.assignmentId, gpuSeconds: 1,
      from: new Date(leaseStart.getTime() + index * 1000).toISOString(), to: new Date(leaseStart.getTime() + (index + 1) * 1000).toISOString(),
    }));
    await eventually(async () => expect((await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records } })).status).toBe(202), 15_000);
    await eventually(async () => expect((await jobStatus(api, renter.renterKey, job.body.jobId)).cost).toBe('0.050000'), 15_000);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'exited', { exitCode: 0 });
    await waitForStatus(api, renter.renterKey, job.body.jobId, 'succeeded');
    const earnedAt = (await api.call('GET', '/v1/billing/ledger', { key: host.providerKey })).body.items.map((entry: { postedAt: string }) => entry.postedAt).sort().at(-1);
    expect(await balanceOf(host.providerKey)).toBe(45_000);

    await settled(host.providerKey);
    const { batch, payout } = await batchPaying(host.providerId);

    // The batch paid only earnings at least the delay old.
    expect(Date.parse(batch.settledBefore)).toBeGreaterThan(Date.parse(earnedAt));
    expect(Date.parse(batch.createdAt) - Date.parse(earnedAt)).toBeGreaterThanOrEqual(DELAY_SECONDS * 1000);
    // Whole cents leave; the 5,000 µUSD rest waits for the next batch.
    expect(payout).toMatchObject({ amount: '0.040000', status: 'in_transit', method: { type: 'paypal', details: { email: 'a***@example.com' } } });
    expect(await balanceOf(host.providerKey)).toBe(5_000);

    const file = await api.call('GET', `/v1/finance/payout-batches/${batch.batchId}/file?format=paypal`, { key: financeKey });
    expect(file.body.content).toContain(`acme@example.com,0.04,USD,${payout.payoutId},gpuhive payout ${payout.payoutId},PayPal\r\n`);

    const paid = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/paid`, { key: financeKey, body: { reference: 'PP-BATCH-1' } });
    const again = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/paid`, { key: financeKey, body: { reference: 'PP-BATCH-1' } });
    const otherReference = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/paid`, { key: financeKey, body: { reference: 'PP-OTHER' } });
    expect([paid.status, again.status, otherReference.status]).toEqual([200, 200, 409]);
    expect(again.body).toEqual(paid.body);
    expect(otherReference.body.error.code).toBe('payout_already_paid');
    await eventually(async () => {
      expect(hook.received.map((request) => JSON.parse(request.body))).toEqual([
        expect.objectContaining({ type: 'payout.paid', data: expect.objectContaining({ payoutId: payout.payoutId, providerId: host.providerId, amount: '0.040000', reference: 'PP-BATCH-1' }) }),
      ]);
    }, 20_000);

    const own = await api.call('GET', '/v1/payouts', { key: host.providerKey });
    expect(own.body.items).toEqual([expect.objectContaining({ payoutId: payout.payoutId, status: 'paid', reference: 'PP-BATCH-1' })]);

    const statement = await api.call('GET', `/v1/billing/statements/${thisMonth()}`, { key: host.providerKey });
    expect(statement.body.totals).toMatchObject({ earnings: '0.045000', payouts: '0.040000' });
    expect(statement.body.payouts).toEqual([expect.objectContaining({ payoutId: payout.payoutId, kind: 'payout', amount: '0.040000' })]);
    expect(micro(statement.body.closingBalance)).toBe(micro(statement.body.openingBalance) + 45_000 - 40_000);

    const period = { from: startedAt, to: new Date(Date.now() + 60_000).toISOString() };
    const exported = await api.call('POST', '/v1/finance/exports', { key: financeKey, body: { kind: 'payouts', ...period } });
    expect(exported.status).toBe(202);
    const done = await eventually(async () => {
      const shown = await api.call('GET', `/v1/finance/exports/${exported.body.exportId}`, { key: financeKey });
      expect(shown.body.status).toBe('succeeded');
      return shown.body;
    }, 20_000);
    expect(done.reconciled).toBe(true);
    const rows = (await (await fetch(done.url)).text()).split('\r\n').filter((line) => line.includes(payout.payoutId));
    expect(rows).toEqual([expect.stringContaining(`${payout.payoutId},${batch.batchId},${host.providerId},paypal,0.040000,paid,PP-BATCH-1`)]);
    // earnings = paid + in transit + still in the providers' balances, over every provider in the period.
    const ledger = done.ledger.payouts;
    expect(micro(ledger.earnings)).toBe(micro(ledger.paid) + micro(ledger.inTransit) + micro(ledger.providerBalances));
  }, 120_000);

  it('returns a failed payout to the provider, refuses to pay it then, and the next batch pays it again', async () => {
    const renter = await fundedRenter(api, runtime, '10.000000');
    const provider = await payableProvider('fails@example.com');
    await chargedUsage(renter.renterId, provider.accountId, [1800, 600]);
    expect(await balanceOf(provider.key)).toBe(540_000);

    await settled(provider.key);
    const { payout } = await batchPaying(provider.accountId);
    const failed = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/failed`, { key: financeKey, body: { reason: 'PayPal account closed', reference: 'PP-ERR-1' } });
    const failedAgain = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/failed`, { key: financeKey, body: { reason: 'PayPal account closed', reference: 'PP-ERR-1' } });
    const paidAfter = await api.call('POST', `/v1/finance/payouts/${payout.payoutId}/paid`, { key: financeKey, body: { reference: 'PP-LATE' } });

    expect(payout.amount).toBe('0.540000');
    expect([failed.status, failedAgain.status, paidAfter.status]).toEqual([200, 200, 409]);
    expect(failed.body).toMatchObject({ status: 'failed', failureReason: 'PayPal account closed' });
    expect(paidAfter.body.error.code).toBe('payout_already_failed');
    expect(await balanceOf(provider.key)).toBe(540_000);

    const next = await api.call('POST', '/v1/finance/payout-batches', { key: financeKey });
    expect(next.body.items.filter((item: { providerId: string }) => item.providerId === provider.accountId)).toEqual([expect.objectContaining({ amount: '0.540000' })]);
    expect(await balanceOf(provider.key)).toBe(0);
    const listed = await api.call('GET', `/v1/payouts?providerId=${provider.accountId}&status=failed`, { key: financeKey });
    expect(listed.body.items.map((item: { payoutId: string }) => item.payoutId)).toEqual([payout.payoutId]);
  }, 90_000);

  it('pays a provider once when two batches run at once, never more than was payable', async () => {
    const renter = await fundedRenter(api, runtime, '10.000000');
    const provider = await payableProvider('twice@example.com');
    await chargedUsage(renter.renterId, provider.accountId, [3600]);
    await settled(provider.key);

    // Two batches and a new charge, all at once.
    const [first, second] = await Promise.all([
      api.call('POST', '/v1/finance/payout-batches', { key: financeKey }),
      api.call('POST', '/v1/finance/payout-batches', { key: financeKey }),
      chargedUsage(renter.renterId, provider.accountId, [1800]),
    ]);

    const mine = [...first.body.items, ...second.body.items].filter((item: { providerId: string }) => item.providerId === provider.accountId);
    expect(mine).toEqual([expect.objectContaining({ amount: '0.810000' })]);
    // The 0.405000 earned after the batches is not settled at their time: it stays.
    expect(await balanceOf(provider.key)).toBe(405_000);
  }, 90_000);

  it('refuses providers other providers\' payouts and finance-only routes', async () => {
    const provider = await account('provider');
    expect((await api.call('GET', `/v1/payouts?providerId=${(await account('provider')).accountId}`, { key: provider.key })).status).toBe(403);
    expect((await api.call('POST', '/v1/finance/payout-batches', { key: provider.key })).status).toBe(403);
    expect((await api.call('POST', '/v1/finance/payouts/pay_0000000000000000000000/paid', { key: financeKey, body: { reference: 'x' } })).status).toBe(404);
    expect((await api.call('POST', '/v1/finance/payouts/pay_0000000000000000000000/paid', { key: financeKey, body: {} })).body.error.details).toEqual([
      expect.objectContaining({ field: 'reference' }),
    ]);
  });
});
