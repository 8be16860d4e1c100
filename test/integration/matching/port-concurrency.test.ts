import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { hostQueuePrefix } from '#infra/topology.ts';
import { makeMatchingDeps } from '#matching/adapters/deps.ts';
import { currentAssignments, isLive } from '#matching/domain/job.ts';
import { placeQueuedJobs } from '#matching/use-cases/place-jobs.ts';
import { microUsd } from '#platform/money.ts';
import { localSqs, startTestRuntime } from '#test/support/local-runtime.ts';
import { aCapacity, aFundedJob, aJobSpec, gpus } from '#test/support/matching-factories.ts';

const HOST_ID = 'host_portrace0001';
const PORTS = { from: 41000, to: 41005 };
const JOBS = 14;
const MATCHERS = 4;

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '30' } });
}, 120_000);
afterAll(() => runtime?.stop());

describe('host ports under concurrent placement', () => {
  it(`gives ${JOBS} port jobs racing in ${MATCHERS} matchers for one host's 6 ports each port at most once`, async () => {
    const seeding = makeMatchingDeps();
    const at = new Date().toISOString();
    // More GPUs than ports: the ports are what runs out.
    expect(await seeding.capacity.save(aCapacity({ hostId: HOST_ID, gpus: gpus(8, 'L40S', 46_068), publicAddress: '198.51.100.9', portRange: PORTS, snapshotAt: at, statusAt: at, revision: 1 }))).toBe(true);
    await localSqs(runtime).send(new CreateQueueCommand({ QueueName: `${hostQueuePrefix(runtime.stage)}${HOST_ID}` }));
    const jobIds = Array.from({ length: JOBS }, (_, n) => `job_portrace${String(n).padStart(4, '0')}`);
    await Promise.all(jobIds.map((jobId, n) => seeding.jobs.create(aFundedJob({
      jobId,
      renterId: 'acct_portrace0001',
      createdAt: at,
      // Some jobs want two ports: the 6 ports go to between 3 and 6 jobs.
      spec: aJobSpec({ gpu: { count: 1, models: ['L40S'] }, maxPricePerGpuHour: microUsd(2_000_000), ports: n % 3 === 0 ? [{ containerPort: 22, protocol: 'tcp' }, { containerPort: 8888, protocol: 'http' }] : [{ containerPort: 8888, protocol: 'http' }] }),
    }), [], [])));

    const matchers = Array.from({ length: MATCHERS }, () => makeMatchingDeps());
    for (let round = 0; round < 5; round += 1) {
      const results = await Promise.all(matchers.map((deps) => placeQueuedJobs(deps, 50)));
      if (results.every((result) => result.placed === 0)) break;
    }

    const host = await seeding.capacity.get(HOST_ID);
    const heldPorts = Object.values(host?.live ?? {}).flatMap((held) => held.hostPorts ?? []);
    expect(new Set(heldPorts).size).toBe(heldPorts.length);
    expect(heldPorts.every((port) => port >= PORTS.from && port <= PORTS.to)).toBe(true);

    const jobs = await Promise.all(jobIds.map((jobId) => seeding.jobs.get(jobId)));
    const assignedPorts = jobs.flatMap((job) => (job ? currentAssignments(job).filter(isLive) : [])).flatMap((assignment) => (assignment.ports ?? []).map((port) => port.hostPort));
    expect(assignedPorts.sort()).toEqual([...heldPorts].sort());
    // The range is used up as far as the waiting jobs go: none of them would fit in what is left.
    const left = PORTS.to - PORTS.from + 1 - assignedPorts.length;
    const queued = jobs.filter((job) => job?.status === 'queued');
    expect(queued.length).toBe(JOBS - jobs.filter((job) => job?.status === 'scheduled').length);
    expect(queued.every((job) => (job?.spec.ports?.length ?? 0) > left)).toBe(true);
    expect(queued.every((job) => /free public port/.test(job?.statusReason ?? ''))).toBe(true);
  }, 120_000);
});
