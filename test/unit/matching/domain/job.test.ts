import { describe, expect, it } from 'vitest';
import {
  assignmentIdFor,
  currentAssignments,
  holdAmountFor,
  isFinal,
  isLive,
  jobIdOfAssignment,
  liveAssignments,
  requirementsOf,
  runtimeOf,
  type AssignmentState,
} from '#matching/domain/job.ts';
import { microUsd } from '#platform/money.ts';
import { aJob, aJobSpec, anAssignment } from '#test/support/matching-factories.ts';

describe('holdAmountFor', () => {
  it('holds the max duration when it is shorter than an hour (1 GPU at 0.900000/h for 1800 s)', () => {
    const spec = aJobSpec({ gpu: { count: 1 }, maxPricePerGpuHour: microUsd(900_000), maxDurationSeconds: 1800 });

    expect(holdAmountFor(spec)).toBe(450_000);
  });

  it('holds one hour for all GPUs on all hosts when the job may run longer (8 GPUs x 2 hosts at 2.000000/h for 7200 s)', () => {
    const spec = aJobSpec({ gpu: { count: 8 }, hosts: 2, maxPricePerGpuHour: microUsd(2_000_000), maxDurationSeconds: 7200 });

    expect(holdAmountFor(spec)).toBe(32_000_000);
  });

  it('holds exactly one hour when the max duration is one hour', () => {
    const spec = aJobSpec({ gpu: { count: 2 }, maxPricePerGpuHour: microUsd(450_000), maxDurationSeconds: 3600 });

    expect(holdAmountFor(spec)).toBe(900_000);
  });

  it('rounds a fraction of a micro-dollar up, so the hold never falls short', () => {
    // 1 µUSD/h for 1 s is 1/3600 µUSD.
    const spec = aJobSpec({ gpu: { count: 1 }, maxPricePerGpuHour: microUsd(1), maxDurationSeconds: 1 });

    expect(holdAmountFor(spec)).toBe(1);
  });

  it('rounds 0.333333/h for 10 s up to the next micro-dollar', () => {
    // 333333 * 10 / 3600 = 925.925…
    const spec = aJobSpec({ gpu: { count: 1 }, maxPricePerGpuHour: microUsd(333_333), maxDurationSeconds: 10 });

    expect(holdAmountFor(spec)).toBe(926);
  });

  it('returns a whole number of micro-dollars', () => {
    const spec = aJobSpec({ gpu: { count: 3 }, hosts: 5, maxPricePerGpuHour: microUsd(777_777), maxDurationSeconds: 1234 });

    expect(Number.isSafeInteger(holdAmountFor(spec))).toBe(true);
  });
});

describe('assignmentIdFor / jobIdOfAssignment', () => {
  it('builds an id that carries the job, the attempt and the rank', () => {
    expect(assignmentIdFor('job_01jz3k5q7w9d2c4m6n8p', 2, 3)).toBe('job_01jz3k5q7w9d2c4m6n8p.a2.r3');
  });

  it('reads the job id back from an assignment id', () => {
    const assignmentId = assignmentIdFor('job_01jz3k5q7w9d2c4m6n8p', 1, 0);

    expect(jobIdOfAssignment(assignmentId)).toBe('job_01jz3k5q7w9d2c4m6n8p');
  });

  it.each(['job_01jz.a1', 'job_01jz.a1.r', 'host_01jz.a1.r0', 'job_01jz.a1.r0.extra', 'x.job_01jz.a1.r0', 'JOB_01JZ.a1.r0', ''])(
    'finds no job in the malformed id %j',
    (assignmentId) => {
      expect(jobIdOfAssignment(assignmentId)).toBeUndefined();
    },
  );
});

describe('runtimeOf', () => {
  it('runs an image in docker', () => {
    expect(runtimeOf(aJobSpec({ image: 'ubuntu:24.04', command: ['nvidia-smi'] }))).toBe('docker');
  });

  it('runs a command alone as a process', () => {
    const { image: _image, ...spec } = aJobSpec({ command: ['python', 'train.py'] });

    expect(runtimeOf(spec)).toBe('process');
  });
});

describe('requirementsOf', () => {
  it('maps every placement field of the spec', () => {
    const spec = aJobSpec({
      gpu: { count: 4, models: ['H100'], minVramMb: 80_000 },
      hosts: 2,
      regions: ['eu-west'],
      maxPricePerGpuHour: microUsd(2_000_000),
    });

    expect(requirementsOf(aJob({ spec }))).toEqual({
      gpuCount: 4,
      models: ['H100'],
      minVramMb: 80_000,
      hosts: 2,
      regions: ['eu-west'],
      maxPricePerGpuHour: 2_000_000,
      runtime: 'docker',
    });
  });

  it('leaves out the filters the renter did not give', () => {
    const { image: _image, ...spec } = aJobSpec({ gpu: { count: 1 } });

    expect(requirementsOf(aJob({ spec }))).toStrictEqual({ gpuCount: 1, hosts: 1, maxPricePerGpuHour: 900_000, runtime: 'process' });
  });

  it('keeps a minimum VRAM of zero', () => {
    expect(requirementsOf(aJob({ spec: aJobSpec({ gpu: { count: 1, minVramMb: 0 } }) })).minVramMb).toBe(0);
  });

  it('carries the hosts that already failed the job, so it is placed elsewhere', () => {
    expect(requirementsOf(aJob({ avoidHostIds: ['host_1', 'host_2'] })).avoidHostIds).toEqual(['host_1', 'host_2']);
  });

  it('leaves out an empty list of hosts to avoid', () => {
    expect(requirementsOf(aJob({ avoidHostIds: [] }))).not.toHaveProperty('avoidHostIds');
  });
});

describe('isFinal', () => {
  it.each([
    ['succeeded', true],
    ['failed', true],
    ['cancelled', true],
    ['expired', true],
    ['queued', false],
    ['scheduled', false],
    ['running', false],
  ] as const)('says %s is final: %s', (status, final) => {
    expect(isFinal(status)).toBe(final);
  });
});

describe('isLive / liveAssignments / currentAssignments', () => {
  it.each<[AssignmentState, boolean]>([
    ['offered', true],
    ['accepted', true],
    ['running', true],
    ['stopping', true],
    ['exited', false],
    ['failed', false],
    ['stopped', false],
    ['withdrawn', false],
    ['lost', false],
  ])('says a %s assignment is live: %s', (state, live) => {
    expect(isLive(anAssignment({ state }))).toBe(live);
  });

  it('lists the live assignments of every attempt, and the assignments of the current attempt', () => {
    const old = anAssignment({ attempt: 1, rank: 0, state: 'stopping' });
    const gone = anAssignment({ attempt: 1, rank: 1, state: 'lost' });
    const fresh = anAssignment({ attempt: 2, rank: 0, state: 'offered' });
    const job = aJob({ attempt: 2, assignments: [old, gone, fresh] });

    expect(liveAssignments(job)).toEqual([old, fresh]);
    expect(currentAssignments(job)).toEqual([fresh]);
  });
});
