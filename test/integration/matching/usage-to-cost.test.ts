import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, jobStatus, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

describe('usage flows from the agent to the job cost and the ledger', () => {
  it('charges validated usage once: the renter pays the price, the provider earns it minus the fee', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, {
      gpus: [{ name: 'NVIDIA GeForce RTX 4080', vramMb: 16376, uuid: 'GPU-usage-1', index: 0 }],
      pricePerGpuHour: '0.900000',
    });
    const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 4080'] }, maxPricePerGpuHour: '1.000000' }) });
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.jobId === body.jobId);
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignment.assignmentId, 'started');
    const startedAt = new Date((await jobStatus(api, renterKey, body.jobId)).assignments[0].startedAt);
    const record = { eventId: 'usage-0001', assignmentId: assignment.assignmentId, from: startedAt.toISOString(), to: new Date(startedAt.getTime() + 2000).toISOString(), gpuSeconds: 2 };
    await eventually(async () => {
      const ready = await api.call('GET', `/v1/jobs/${body.jobId}/usage`, { key: renterKey });
      expect(ready.status).toBe(200);
    });

    const first = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } });
    const resent = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } });

    expect(first.status).toBe(202);
    expect(resent.status).toBe(202);
    // 2 GPU-seconds at 0.900000/GPU-hour: 500 µUSD from the renter, 450 to the provider, 50 fee.
    await eventually(async () => expect((await jobStatus(api, renterKey, body.jobId)).cost).toBe('0.000500'));
    const renterBalance = (await api.call('GET', '/v1/billing/balance', { key: renterKey })).body;
    const providerBalance = (await api.call('GET', '/v1/billing/balance', { key: host.providerKey })).body;
    expect(renterBalance.balance).toBe('99.999500');
    expect(providerBalance.balance).toBe('0.000450');
    const charges = (await api.call('GET', '/v1/billing/ledger', { key: renterKey })).body.items.filter((entry: { kind: string }) => entry.kind === 'usage_charge');
    expect(charges).toHaveLength(1);
    expect(charges[0].amount).toBe('-0.000500');
  });
});
