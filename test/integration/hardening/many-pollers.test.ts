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
    // Onboarded five at a time: set-up, not what is measured.
    const hosts: Awaited<ReturnType<typeof onboardHost>>[] = [];
    for (let start = 0; start < POLLING_HOSTS; start += 5) {
      hosts.push(...(await Promise.all(Array.from({ length: Math.min(5, POLLING_HOSTS - start) }, (_, offset) =>
        onboardHost(api, runtime.adminKey, { gpus: [{ name: 'NVIDIA RTX A5000', vramMb: 24564, uuid: `GPU-poll-${start + offset}`, index: 0 }] })))));
    }
    const received = new Map<string, number>();
    let polling = true;
    // At the end the hosts hang up their parked polls instead of waiting out the 20 s each.
    const hangUp = new AbortController();
    type Poll = { messages?: { message: { jobId?: string } }[] };
    const pollers = hosts.map(async (host) => {
      while (polling) {
        const response: Poll = await fetch(`${runtime.apiUrl}/v1/agent/assignments?waitSeconds=20`, { headers: { authorization: `Bearer ${host.agentToken}` }, signal: hangUp.signal })
          // As apiClient reads an answer: an error page without messages is a round without any.
          .then(async (answer): Promise<Poll> => {
            try {
              return JSON.parse(await answer.text()) ?? {};
            } catch {
              return {};
            }
          })
          .catch((error: unknown): Poll => {
            if (hangUp.signal.aborted) return {};
            throw error;
          });
        for (const { message } of response.messages ?? []) if (message.jobId) received.set(message.jobId, Date.now());
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
      hangUp.abort();
      await Promise.all(pollers);
    }
  }, 90_000);
});
