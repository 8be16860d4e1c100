import { describe, expect, it } from 'vitest';
import { requirementsOf } from '#matching/domain/job.ts';
import { replicaJobSpec } from '#matching/domain/replica-job.ts';
import type { Service } from '#matching/domain/service.ts';
import { CreateServiceInput } from '#matching/service-http.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { RENTER_ID } from '#test/support/matching-factories.ts';

const create = (fields: Record<string, unknown>) =>
  CreateServiceInput.safeParse({
    name: 'chat',
    command: ['node', 'server.js'],
    ports: [{ containerPort: 8000, protocol: 'http' }],
    gpu: { count: 1 },
    replicas: 2,
    healthCheck: { path: '/health' },
    ...fields,
  });

const fieldsOf = (result: ReturnType<typeof create>) => (result.success ? [] : result.error.issues.map((issue) => issue.path.join('.')));

const anInterruptibleService = (): Service => ({
  serviceId: 'svc_01testservice000000001',
  renterId: RENTER_ID,
  name: 'batch-embeddings',
  spec: {
    command: ['node', 'server.js'],
    env: {},
    ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }],
    gpu: { count: 1 },
    maxPricePerGpuHour: microUsd(250_000),
    tier: 'interruptible',
    bidPerGpuHour: microUsd(250_000),
    healthCheck: { path: '/health', port: 8000, intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, startupGraceSeconds: 30 },
  },
  specRevision: 1,
  replicas: 2,
  status: 'active',
  statusReason: null,
  slots: [],
  retiring: [],
  jobIds: [],
  endpoints: [],
  endpointsVersion: 0,
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  revision: 1,
});

describe('interruptible service replicas', () => {
  it('takes a bid instead of a max price, each mistake a 400 naming its field', () => {
    expect(create({ tier: 'interruptible', bidPerGpuHour: '0.25' }).success).toBe(true);
    expect(fieldsOf(create({ tier: 'interruptible' }))).toEqual(['bidPerGpuHour']);
    expect(fieldsOf(create({ tier: 'interruptible', bidPerGpuHour: '0.25', maxPricePerGpuHour: '0.90' }))).toEqual(['maxPricePerGpuHour']);
    expect(fieldsOf(create({ maxPricePerGpuHour: '0.90', bidPerGpuHour: '0.25' }))).toEqual(['bidPerGpuHour']);
    expect(fieldsOf(create({}))).toEqual(['maxPricePerGpuHour']);
    expect(fieldsOf(create({ tier: 'spot', maxPricePerGpuHour: '0.90' }))).toEqual(['tier']);
  });

  it('runs each replica as interruptible work at the bid, replaced by the service when preempted', () => {
    const spec = replicaJobSpec(anInterruptibleService(), { index: 0, generation: 1, jobId: 'job_x', specRevision: 1, restartsInPlace: 0, failures: 0 });

    expect(spec).toMatchObject({ tier: 'interruptible', bidPerGpuHour: 250_000, maxPricePerGpuHour: 250_000, restartPolicy: 'never' });
    expect(requirementsOf({ spec })).toMatchObject({ bidPerGpuHour: 250_000 });
  });
});
