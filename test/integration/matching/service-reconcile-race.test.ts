import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { makeMatchingDeps } from '#matching/adapters/deps.ts';
import { replicaJobId, type Service } from '#matching/domain/service.ts';
import { reconcileService } from '#matching/use-cases/reconcile-service.ts';
import { microUsd } from '#platform/money.ts';
import { apiClient, startTestRuntime } from '#test/support/local-runtime.ts';
import { fundedRenter } from '#test/support/marketplace.ts';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '30' } });
}, 60_000);
afterAll(() => runtime?.stop());

const REPLICAS = 5;
const RECONCILERS = 4;

describe('reconcilers racing on one service', () => {
  it(`make each of ${REPLICAS} replica jobs exactly once, however many run at once and however often`, async () => {
    const { renterId } = await fundedRenter(apiClient(runtime.apiUrl), runtime);
    const seeding = makeMatchingDeps();
    const at = new Date().toISOString();
    const serviceId = 'svc_01racingservice00000001';
    const service: Service = {
      serviceId, renterId, name: 'race',
      spec: {
        image: 'ghcr.io/example/tiny-model:1', env: {}, ports: [{ containerPort: 8000, protocol: 'http' }], gpu: { count: 1 }, maxPricePerGpuHour: microUsd(500_000),
        healthCheck: { path: '/health', port: 8000, intervalSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, startupGraceSeconds: 60 },
      },
      specRevision: 1, replicas: REPLICAS, status: 'active', statusReason: null, slots: [], retiring: [], jobIds: [], endpoints: [], endpointsVersion: 0,
      createdAt: at, updatedAt: at, revision: 0,
    };
    expect(await seeding.services?.create(service)).toEqual({ kind: 'created' });

    // Each set of deps is one Lambda container: they race through the store's conditional writes.
    const reconcilers = Array.from({ length: RECONCILERS }, () => makeMatchingDeps());
    for (let round = 0; round < 3; round += 1) await Promise.all(reconcilers.map((deps) => reconcileService(serviceId, deps)));

    const expected = Array.from({ length: REPLICAS }, (_, index) => replicaJobId(serviceId, index, 1));
    const after = await seeding.services?.get(serviceId);
    expect(after?.slots.map((slot) => slot.jobId)).toEqual(expected);
    expect(after?.jobIds).toEqual(expected);
    const jobs = await seeding.jobs.listByRenter(renterId, { limit: 100 });
    expect(jobs.items.map((job) => job.jobId).sort()).toEqual([...expected].sort());
    expect(jobs.items.every((job) => job.spec.service?.serviceId === serviceId && job.spec.restartPolicy === 'never')).toBe(true);
  }, 120_000);
});
