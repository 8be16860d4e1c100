import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, schedulesEvery, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, offeredHost } from '#test/support/marketplace.ts';
import { playAgents } from '#test/support/service-agents.ts';

let runtime: LocalRuntime;
let api: ApiClient;

// Holds renew every second and must cover all but 2 s of the hour (as billing/running-out.test.ts):
// at 1,000 USD/h a replica draws 0.28 USD a second, so a renter with 7 USD beyond two replicas'
// first hours runs out about 13 s after both run (25 s with one: room for the second to start).
// No other schedule runs: the stop follows from events, and each sweep a second was most of the
// file's DynamoDB calls.
beforeAll(async () => {
  runtime = await startTestRuntime({ scheduleSeconds: schedulesEvery(1, ['billing-holds']), env: { CAPACITY_CACHE_SECONDS: '0.5', HOLD_MIN_COVER_SECONDS: '3598', STOP_GRACE_SECONDS: '2' } });
  api = apiClient(runtime.apiUrl);
}, 60_000);
afterAll(() => runtime?.stop());

const usd = (text: string) => Math.round(Number(text) * 1_000_000);

describe('a service whose renter runs out of funds', () => {
  it('is stopped whole (failed, insufficient_funds) after balance.low, and bills each replica only inside its observed lease', async () => {
    const renter = await fundedRenter(api, runtime, '2007.000000');
    const hosts = [];
    for (const [index, model] of ['RTX A6000', 'RTX A5000'].entries()) {
      hosts.push(await offeredHost(api, runtime, renter.renterKey, {
        gpus: [{ name: `NVIDIA ${model}`, vramMb: 49140, uuid: `GPU-funds-${index}`, index: 0 }],
        publicAddress: '198.51.100.30',
        portRange: { from: 43000 + index * 10, to: 43009 + index * 10 },
        pricePerGpuHour: '1000.000000',
      }));
    }
    const agents = playAgents(api, hosts, { usage: true });
    try {
      const created = await api.call('POST', '/v1/services', {
        key: renter.renterKey,
        body: {
          name: 'pricey', image: 'ghcr.io/example/tiny-model:1', ports: [{ containerPort: 8000, protocol: 'http' }],
          gpu: { count: 1, minVramMb: 40000 }, replicas: 2, maxPricePerGpuHour: '1000.000000', healthCheck: { path: '/health' },
        },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(202);
      const { serviceId } = created.body;
      const failed = await eventually(async () => {
        const service = (await api.call('GET', `/v1/services/${serviceId}`, { key: renter.renterKey })).body;
        expect(service.status).toBe('failed');
        return service;
      }, 180_000);
      expect(failed.statusReason).toMatch(/^insufficient_funds/);
      expect((await api.call('GET', `/v1/services/${serviceId}/endpoints`, { key: renter.renterKey })).body.endpoints).toEqual([]);

      const jobIds = (await api.call('GET', '/v1/jobs?limit=100', { key: renter.renterKey })).body.items
        .filter((job: { service: { serviceId: string } | null }) => job.service?.serviceId === serviceId)
        .map((job: { jobId: string }) => job.jobId);
      expect(jobIds).toHaveLength(2);
      const timelines = await Promise.all(jobIds.map(async (jobId: string) => (await api.call('GET', `/v1/jobs/${jobId}/events?limit=100`, { key: renter.renterKey })).body.items.map((entry: { type: string }) => entry.type)));
      expect(timelines.some((types: string[]) => types.includes('balance_low'))).toBe(true);
      await agents.stop();

      // Every charge lies inside a lease the platform observed: at most price x lease length.
      for (const jobId of jobIds) {
        const usage = await eventually(async () => {
          const body = (await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renter.renterKey })).body;
          expect(body.assignments[0]?.leaseEnd).toBeTruthy();
          return body;
        }, 30_000);
        const lease = usage.assignments[0];
        const leaseSeconds = (Date.parse(lease.leaseEnd) - Date.parse(lease.leaseStart)) / 1000;
        const job = (await api.call('GET', `/v1/jobs/${jobId}`, { key: renter.renterKey })).body;
        expect(usd(job.cost)).toBeLessThanOrEqual(Math.ceil((1000 * 1_000_000 * (leaseSeconds + 5)) / 3600));
      }
      // The statement's job lines name the service.
      const month = new Date().toISOString().slice(0, 7);
      const charges = await eventually(async () => {
        const lines = (await api.call('GET', `/v1/billing/statements/${month}`, { key: renter.renterKey })).body.charges as { jobId: string; serviceId?: string }[];
        expect(lines.length).toBeGreaterThan(0);
        return lines;
      }, 30_000);
      for (const line of charges) expect(line).toMatchObject({ jobId: expect.stringMatching(/^job_/), serviceId });
      const balance = (await api.call('GET', '/v1/billing/balance', { key: renter.renterKey })).body;
      expect(usd(balance.balance)).toBeGreaterThanOrEqual(0);
    } finally {
      await agents.stop();
    }
  }, 300_000);
});
