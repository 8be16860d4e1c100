import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, captureEvents, eventually, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';

let runtime: LocalRuntime;
let api: ApiClient;

// Records wait at most 2 s for their lease here (a day by default); the sweep runs every second.
beforeAll(async () => {
  runtime = await startTestRuntime({ env: { USAGE_PENDING_MAX_SECONDS: '2' }, scheduleSeconds: { 'metering-pending-sweep': 1 } });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

describe('usage whose lease never arrives', () => {
  it('is rejected after the bound (lease_never_arrived), never billed, and a resend says so', async () => {
    const host = await onboardHost(api, runtime.adminKey);
    const capture = await captureEvents(runtime, ['usage.chunk_recorded', 'usage.recorded']);
    const now = Date.now();
    const record = { eventId: 'ghost-1', assignmentId: 'job_doesnotexist.a1.r0', from: new Date(now - 60_000).toISOString(), to: new Date(now).toISOString(), gpuSeconds: 60 };

    const first = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } });
    expect(first.body).toMatchObject({ accepted: 0, pending: 1 });

    const resent = await eventually(async () => {
      const again = await api.call('POST', '/v1/agent/usage', { key: host.agentToken, body: { records: [record] } });
      expect(again.body.records[0]).toMatchObject({ status: 'duplicate', original: 'rejected', reason: 'lease_never_arrived' });
      return again;
    }, 20_000);

    expect(resent.body).toMatchObject({ accepted: 0, duplicates: 1, pending: 0 });
    expect((await capture.next()).filter((event) => event.detail.assignmentId === record.assignmentId)).toEqual([]);
  });
});
