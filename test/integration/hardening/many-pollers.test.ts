import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, onboardHost, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, jobBody } from '#test/support/marketplace.ts';

/** More hosts than the AWS SDK's default of 50 sockets per client, each holding a long poll. */
const POLLING_HOSTS = 55;

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
});
afterAll(() => runtime?.stop());

describe('many hosts long-polling through the API', () => {
  it('still get their assignment within a few seconds of placement, not after other hosts\' polls time out', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const hosts = [];
    for (let i = 0; i < POLLING_HOSTS; i += 1) {
      hosts.push(await onboardHost(api, runtime.adminKey, { gpus: [{ name: 'NVIDIA RTX A5000', vramMb: 24564, uuid: `GPU-poll-${i}`, index: 0 }] }));
    }
    const received = new Map<string, number>();
    let polling = true;
    const pollers = hosts.map(async (host) => {
      while (polling) {
        const response = await api.call('GET', '/v1/agent/assignments?waitSeconds=20', { key: host.agentToken });
        for (const { message } of response.body?.messages ?? []) if (message.jobId) received.set(message.jobId, Date.now());
      }
    });
    try {
      // Every host is now parked in a 20 s poll; wait until matching offers them all.
      await new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + 20_000;
        const check = async () => {
          const offers = await api.call('GET', '/v1/offers?gpuModel=RTX%20A5000&limit=100', { key: renterKey });
          if (offers.body.items.length === POLLING_HOSTS) return resolve();
          if (Date.now() > deadline) return reject(new Error(`only ${offers.body.items.length} offers`));
          setTimeout(() => void check(), 200);
        };
        void check();
      });
      const submittedAt = Date.now();
      const { body } = await api.call('POST', '/v1/jobs', { key: renterKey, body: jobBody({ gpu: { count: 1, models: ['RTX A5000'] } }) });

      while (!received.has(body.jobId) && Date.now() - submittedAt < 25_000) await new Promise((resolve) => setTimeout(resolve, 50));

      expect(received.get(body.jobId)! - submittedAt).toBeLessThan(5_000);
    } finally {
      polling = false;
      await Promise.all(pollers);
    }
  }, 90_000);
});
