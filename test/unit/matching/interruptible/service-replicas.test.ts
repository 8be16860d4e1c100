import { describe, expect, it } from 'vitest';
import { requirementsOf } from '#matching/domain/job.ts';
import { replicaJobSpec } from '#matching/domain/replica-job.ts';
import { CreateServiceInput } from '#matching/http/services.ts';
import { microUsd } from '#platform/money.ts';
import { aService } from '#test/support/matching-factories.ts';

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

const anInterruptibleService = () =>
  aService({ spec: { ...aService().spec, maxPricePerGpuHour: microUsd(250_000), tier: 'interruptible', bidPerGpuHour: microUsd(250_000) } });

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
