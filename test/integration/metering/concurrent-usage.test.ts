import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody, offeredHost, reportEvent, waitForMessage } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
}, 240_000);
afterAll(() => runtime?.stop());

describe('concurrent usage posts for one assignment (issue 13)', () => {
  it('answers each 202, or a retryable 503 with Retry-After, never a 500; once resent, the totals are exact', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { gpus: [{ name: 'NVIDIA GeForce RTX 3080', vramMb: 10240, uuid: 'GPU-concurrent', index: 0 }], pricePerGpuHour: '0.900000' });
    const submitted = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX 3080'] }, maxPricePerGpuHour: '1.000000' }) });
    const jobId = submitted.body.jobId as string;
    const assignment = await waitForMessage(api, host.agentToken, (m) => m.type === 'assignment' && m.jobId === jobId);
    const assignmentId = assignment.assignmentId as string;
    await reportEvent(api, host.agentToken, assignmentId, 'accepted');
    await reportEvent(api, host.agentToken, assignmentId, 'started');
    await eventually(async () => expect((await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey })).body.assignments?.[0]?.leaseStart).toEqual(expect.any(String)));
    const start = Date.parse((await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey })).body.assignments[0].leaseStart);
    // Wait for the 40 s the records cover to have passed, so none is clipped at its receipt time.
    await eventually(async () => expect(Date.now()).toBeGreaterThan(start + 41_000), 60_000);

    // 48 posts at once: 40 distinct seconds, 4 duplicates of them, 4 overlapping two seconds each.
    const second = (n: number, eventId = `s-${n}`, length = 1) => ({
      eventId, assignmentId, from: new Date(start + n * 1000).toISOString(), to: new Date(start + (n + length) * 1000).toISOString(), gpuSeconds: length,
    });
    const bodies = [
      ...Array.from({ length: 40 }, (_, n) => second(n)),
      ...[3, 9, 17, 33].map((n) => second(n)),
      ...[5, 15, 25, 35].map((n) => second(n, `overlap-${n}`, 2)),
    ];
    const statuses: number[] = [];
    const post = async (body: ReturnType<typeof second>): Promise<void> => {
      for (;;) {
        const response = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [body] } });
        statuses.push(response.status);
        if (response.status !== 503) return;
        expect(response.headers.get('retry-after')).toBeTruthy();
      }
    };
    await Promise.all(bodies.map(post));

    expect(statuses.filter((status) => status !== 202 && status !== 503)).toEqual([]);
    const usage = (await api.call('GET', `/v1/jobs/${jobId}/usage`, { key: renterKey })).body;
    // Every second of the 40 billed once, whatever won the races.
    expect(usage.gpuSeconds).toBe(40);
  }, 180_000);
});
