import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '#events/index.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { billingQueueDrained, localBus } from './support.ts';

let runtime: LocalRuntime;
let api: ApiClient;
let bus: ReturnType<typeof localBus>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  api = apiClient(runtime.apiUrl);
  bus = localBus(runtime);
});
afterAll(() => runtime?.stop());

const account = async (kind: 'renter' | 'provider') => {
  const created = await newAccount(api, runtime.adminKey, kind, `A ${kind}`);
  return { accountId: created.body.accountId as string, key: created.body.apiKey as string };
};
const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
const thisMonth = () => new Date().toISOString().slice(0, 7);

describe('GET /v1/billing/statements/{month}', () => {
  it('shows a renter its credits, charges per job and balances, and a provider its earnings per host', async () => {
    const renter = await account('renter');
    const provider = await account('provider');
    await api.call('POST', `/v1/accounts/${renter.accountId}/credits`, { key: runtime.adminKey, body: { amount: '10.000000', reference: newId('inv') } });
    const jobs = [newId('job'), newId('job')];
    const now = Date.now();
    // Job 1: two records on host_a (0.45 + 0.15); job 2: one record on host_b (0.90).
    const records = [
      { jobId: jobs[0]!, hostId: 'host_a', gpuSeconds: 1800 },
      { jobId: jobs[0]!, hostId: 'host_a', gpuSeconds: 600 },
      { jobId: jobs[1]!, hostId: 'host_b', gpuSeconds: 3600 },
    ];
    for (const record of records) {
      await bus.publish(events.usageRecorded, {
        usageRecordId: newId('use'), assignmentId: `${record.jobId}.a1.r0`, jobId: record.jobId, renterId: renter.accountId, providerId: provider.accountId,
        hostId: record.hostId, gpuModel: 'RTX 4090', gpuSeconds: record.gpuSeconds, from: new Date(now - record.gpuSeconds * 1000).toISOString(),
        to: new Date(now).toISOString(), pricePerGpuHour: 900_000, recordedAt: new Date(now).toISOString(),
      });
    }
    await billingQueueDrained(runtime, 'billing-usage');

    const renterStatement = await api.call('GET', `/v1/billing/statements/${thisMonth()}`, { key: renter.key });
    const providerStatement = await api.call('GET', `/v1/billing/statements/${thisMonth()}`, { key: provider.key });

    expect(renterStatement.status).toBe(200);
    expect(renterStatement.body).toMatchObject({
      month: thisMonth(), accountId: renter.accountId, kind: 'renter', openingBalance: '0.000000', closingBalance: '8.500000',
      credits: [expect.objectContaining({ amount: '10.000000' })],
      earnings: [],
      totals: { credits: '10.000000', charges: '1.500000', earnings: '0.000000' },
    });
    expect(renterStatement.body.charges).toEqual(expect.arrayContaining([
      { jobId: jobs[0], amount: '0.600000', gpuSeconds: 2400, records: 2 },
      { jobId: jobs[1], amount: '0.900000', gpuSeconds: 3600, records: 1 },
    ]));
    expect(providerStatement.body).toMatchObject({ kind: 'provider', openingBalance: '0.000000', closingBalance: '1.350000', charges: [], totals: { earnings: '1.350000' } });
    expect(providerStatement.body.earnings).toEqual(expect.arrayContaining([
      { hostId: 'host_a', amount: '0.540000', gpuSeconds: 2400, records: 2 },
      { hostId: 'host_b', amount: '0.810000', gpuSeconds: 3600, records: 1 },
    ]));
  });

  it('refuses a month in the future or malformed with 400 naming month', async () => {
    const renter = await account('renter');
    const nextYear = `${new Date().getUTCFullYear() + 1}-01`;

    for (const month of [nextYear, '2026-13', 'november']) {
      const answer = await api.call('GET', `/v1/billing/statements/${month}`, { key: renter.key });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual([expect.objectContaining({ field: 'path.month' })]);
    }
  });

  it('refuses callers who are not renters or providers', async () => {
    expect((await api.call('GET', `/v1/billing/statements/${thisMonth()}`, { key: runtime.adminKey })).status).toBe(403);
    expect((await api.call('GET', `/v1/billing/statements/${thisMonth()}`)).status).toBe(401);
  });
});
