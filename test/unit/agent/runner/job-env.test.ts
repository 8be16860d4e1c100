import { describe, expect, it } from 'vitest';
import { jobEnvironment } from '#agent/runner/job-env.ts';
import { containerNameOf, dockerRunArgs } from '#agent/runner/docker-runner.ts';
import type { AssignmentMessage } from '#agent/api/types.ts';

const message = (overrides: Partial<AssignmentMessage> = {}): AssignmentMessage => ({
  type: 'assignment', assignmentId: 'job_1-a0-r1', jobId: 'job_1', command: ['python', 'train.py'], env: { LR: '0.1' },
  gpuIndices: [2, 3], maxDurationSeconds: 3600, rank: 1, worldSize: 2,
  peers: [{ rank: 1, hostId: 'host_b', address: '10.0.0.2' }, { rank: 0, hostId: 'host_a', address: '10.0.0.1' }],
  ...overrides,
});

describe('jobEnvironment', () => {
  it('gives a multi-host rank its rank, the world size, the peers and rank 0 as master', () => {
    expect(jobEnvironment(message())).toEqual({
      LR: '0.1',
      MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', WORLD_SIZE: '2', RANK: '1',
      GPUHIVE_JOB_ID: 'job_1', GPUHIVE_ASSIGNMENT_ID: 'job_1-a0-r1', GPUHIVE_GPU_COUNT: '2',
      GPUHIVE_RANK: '1', GPUHIVE_WORLD_SIZE: '2', GPUHIVE_PEERS: '10.0.0.1,10.0.0.2',
    });
  });

  it('keeps the renter\'s MASTER_PORT but never lets the renter set gpuhive\'s own variables', () => {
    const env = jobEnvironment(message({ env: { MASTER_PORT: '23456', GPUHIVE_RANK: '7' } }));

    expect(env.MASTER_PORT).toBe('23456');
    expect(env.GPUHIVE_RANK).toBe('1');
  });

  it('points a single-host job at itself', () => {
    const env = jobEnvironment(message({ rank: 0, worldSize: 1, peers: [{ rank: 0, hostId: 'host_a' }] }));

    expect(env).toMatchObject({ MASTER_ADDR: '127.0.0.1', WORLD_SIZE: '1', RANK: '0', GPUHIVE_PEERS: '127.0.0.1' });
  });
});

describe('dockerRunArgs', () => {
  const args = dockerRunArgs(message({ image: 'pytorch/pytorch:2.4.0', command: ['python', '-c', 'print(1)'] }), { A: '1', B: 'x y' }, { hostCpuCores: 16, hostMemoryMb: 65536, hostGpuCount: 4 });

  it('runs with --rm under a name tied to the assignment', () => {
    expect(args.slice(0, 5)).toEqual(['run', '--rm', '--sig-proxy=false', '--name', 'gpuhive-job_1-a0-r1']);
    expect(containerNameOf('job/1 x')).toBe('gpuhive-job-1-x');
  });

  it('lets no process in the container gain privileges, and drops every capability', () => {
    expect(args[args.indexOf('--security-opt') + 1]).toBe('no-new-privileges');
    const dropped = args.flatMap((arg, at) => (arg === '--cap-drop' ? [args[at + 1]] : []));
    expect(dropped).toEqual(['ALL']);
    expect(args).not.toContain('--cap-add');
    expect(args).not.toContain('--privileged');
  });

  it('runs as the unprivileged user nobody unless Docker remaps users, with a pids limit', () => {
    expect(args[args.indexOf('--user') + 1]).toBe('65534:65534');
    expect(args[args.indexOf('--pids-limit') + 1]).toBe('4096');
    const remapped = dockerRunArgs(message({ image: 'i' }), {}, { hostCpuCores: 16, hostMemoryMb: 65536, hostGpuCount: 4 }, { user: undefined, pidsLimit: 64 });
    expect(remapped).not.toContain('--user');
    expect(remapped[remapped.indexOf('--pids-limit') + 1]).toBe('64');
  });

  it('publishes nothing and mounts nothing unless given, then only the declared ports and the scratch dir', () => {
    expect(args.filter((arg) => ['--publish', '-p', '-P', '--publish-all', '--mount', '-v', '--volume', '--network'].includes(arg))).toEqual([]);
    const confined = dockerRunArgs(message({ image: 'i' }), {}, { hostCpuCores: 16, hostMemoryMb: 65536, hostGpuCount: 4 }, {
      network: 'gpuhive-jobs', scratchDir: '/var/lib/gpuhive-agent/jobs/a/work', ports: [{ containerPort: 8080, hostPort: 41000 }], dns: ['1.1.1.1'],
    });
    expect(confined.flatMap((arg, at) => (['--publish', '--mount', '--network', '--dns'].includes(arg) ? [arg, confined[at + 1]] : []))).toEqual([
      '--network', 'gpuhive-jobs', '--dns', '1.1.1.1', '--publish', '41000:8080', '--mount', 'type=bind,source=/var/lib/gpuhive-agent/jobs/a/work,target=/scratch',
    ]);
    expect(confined).toContain('GPUHIVE_SCRATCH_DIR=/scratch');
  });

  it('asks Docker for no GPU when they are simulated, and keeps CUDA_VISIBLE_DEVICES of the host\'s indices', () => {
    const simulated = dockerRunArgs(message({ image: 'i' }), {}, { hostCpuCores: 16, hostMemoryMb: 65536, hostGpuCount: 4 }, { simulatedGpus: true });
    expect(simulated).not.toContain('--gpus');
    expect(simulated).toContain('CUDA_VISIBLE_DEVICES=2,3');
    expect(simulated[simulated.indexOf('--memory') + 1]).toBe(args[args.indexOf('--memory') + 1]);
  });

  it('gives the container exactly its GPUs by device index', () => {
    expect(args[args.indexOf('--gpus') + 1]).toBe('"device=2,3"');
  });

  it('limits CPU and memory to the job\'s share of the host', () => {
    expect(args[args.indexOf('--cpus') + 1]).toBe('8');
    expect(args[args.indexOf('--memory') + 1]).toBe(`${Math.floor(65536 * 0.5 * 0.9)}m`);
    expect(args[args.indexOf('--memory-swap') + 1]).toBe(`${Math.floor(65536 * 0.5 * 0.9)}m`);
  });

  it('passes the env and ends with the image and the command', () => {
    expect(args).toContain('B=x y');
    expect(args.slice(-4)).toEqual(['pytorch/pytorch:2.4.0', 'python', '-c', 'print(1)']);
  });
});
