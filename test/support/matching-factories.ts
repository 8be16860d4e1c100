/**
 * Factories for matching's pure domain: host capacity, job specs, jobs and assignments,
 * each with sensible defaults and overrides. Times are fixed, derived from `T0`.
 */
import type { CapacityGpu, HostCapacity } from '#matching/domain/capacity.ts';
import { assignmentIdFor, holdAmountFor, type Assignment, type Job, type JobSpec } from '#matching/domain/job.ts';
import type { PlacedHost, Requirements } from '#matching/domain/placement.ts';
import type { Service } from '#matching/domain/service.ts';
import { DEFAULT_MATCHING_SETTINGS, type MatchingSettings } from '#matching/domain/matching-settings.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from './factories.ts';

export const iso = (base: Date, seconds = 0): string => new Date(base.getTime() + seconds * 1000).toISOString();

/** `count` GPUs of one model, indices from `from`. */
export const gpus = (count: number, model = 'RTX 4090', vramMb = 24_564, from = 0): CapacityGpu[] =>
  Array.from({ length: count }, (_, offset) => ({ index: from + offset, model, vramMb }));

/** An online, listed host with two free RTX 4090s at 0.450000/GPU-hour in eu-west (docker). */
export const aCapacity = (overrides: Partial<HostCapacity> = {}): HostCapacity => ({
  hostId: 'host_a',
  providerId: 'acct_provider000001',
  status: 'online',
  listed: true,
  draining: false,
  deregistered: false,
  gpus: gpus(2),
  pricePerGpuHour: microUsd(450_000),
  region: 'eu-west',
  runtimes: ['docker'],
  reliability: 1,
  lastSeenAt: T0.toISOString(),
  snapshotAt: T0.toISOString(),
  statusAt: T0.toISOString(),
  live: {},
  revision: 0,
  ...overrides,
});

/** One GPU of any model, docker, on one host, at most 0.900000/GPU-hour. */
export const requirements = (overrides: Partial<Requirements> = {}): Requirements => ({
  gpuCount: 1,
  hosts: 1,
  maxPricePerGpuHour: microUsd(900_000),
  runtime: 'docker',
  ...overrides,
});

export const aJobSpec = (overrides: Partial<JobSpec> = {}): JobSpec => ({
  image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
  command: ['python', 'train.py'],
  env: { EPOCHS: '3' },
  gpu: { count: 1 },
  hosts: 1,
  maxPricePerGpuHour: microUsd(900_000),
  maxDurationSeconds: 3600,
  restartPolicy: 'on-host-loss',
  ...overrides,
});

export const JOB_ID = 'job_01test0000renter0001';
export const RENTER_ID = 'acct_renter000000001';

/** A job as `submitJob` writes it at T0: queued, waiting for funds, attempt 1. */
export const aJob = (overrides: Partial<Job> = {}): Job => {
  const spec = overrides.spec ?? aJobSpec();
  return {
    jobId: JOB_ID,
    renterId: RENTER_ID,
    spec,
    status: 'queued',
    statusReason: 'waiting for funds',
    holdAmount: holdAmountFor(spec),
    fundsHeld: false,
    createdAt: T0.toISOString(),
    attempt: 1,
    restarts: 0,
    notAccepted: 0,
    assignments: [],
    cost: microUsd(0),
    revision: 0,
    ...overrides,
  };
};

/** A queued job whose funds are held: the matcher may place it. */
export const aFundedJob = (overrides: Partial<Job> = {}): Job =>
  aJob({ fundsHeld: true, statusReason: 'waiting for capacity', ...overrides });

/** A host the matcher chose: `host_<rank>` with GPU 0 (or `gpuIndices`), an address for gangs. */
export const aPlacedHost = (overrides: Partial<PlacedHost> = {}): PlacedHost => ({
  hostId: 'host_a',
  providerId: 'acct_provider000001',
  gpuIndices: [0],
  gpuModel: 'RTX 4090',
  pricePerGpuHour: microUsd(450_000),
  region: 'eu-west',
  ...overrides,
});

/** An assignment of `JOB_ID`, offered at T0 to `host_<rank>`. */
export const anAssignment = (overrides: Partial<Assignment> = {}): Assignment => {
  const attempt = overrides.attempt ?? 1;
  const rank = overrides.rank ?? 0;
  return {
    assignmentId: assignmentIdFor(JOB_ID, attempt, rank),
    attempt,
    hostId: `host_${rank}`,
    providerId: 'acct_provider000001',
    rank,
    gpuIndices: [0],
    gpuModel: 'RTX 4090',
    pricePerGpuHour: microUsd(450_000),
    region: 'eu-west',
    state: 'offered',
    offeredAt: T0.toISOString(),
    lastSentAt: T0.toISOString(),
    ...overrides,
  };
};

/** Settings with the defaults spelled out, so a test's arithmetic is visible. */
export const settings = (overrides: Partial<MatchingSettings> = {}): MatchingSettings => ({
  ...DEFAULT_MATCHING_SETTINGS,
  ...overrides,
});

export const SERVICE_ID = 'svc_01testservice000000001';

/** An active 3-replica service of a small HTTP server, with no slots yet. */
export const aService = (overrides: Partial<Service> = {}): Service => ({
  serviceId: SERVICE_ID,
  renterId: RENTER_ID,
  name: 'chat',
  spec: {
    command: ['node', 'server.js'],
    env: { MODEL: 'tiny' },
    ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }],
    gpu: { count: 1 },
    maxPricePerGpuHour: microUsd(900_000),
    healthCheck: { path: '/health', port: 8000, intervalSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, startupGraceSeconds: 30 },
  },
  specRevision: 1,
  replicas: 3,
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
  ...overrides,
});
