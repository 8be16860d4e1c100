import { microUsd } from '#platform/money.ts';
import { holdAmountFor, type Job, type JobSpec } from './job.ts';
import { REPLICA_MAX_DURATION_SECONDS, type ReplicaSlot, type Service } from './service.ts';

/**
 * The job a slot runs: the service's image, env, ports and GPUs on one host, restarted by the
 * service rather than by the job's own policy (`never`), up to the longest duration a job may
 * have (then replaced like any ended replica). Its hold is a job's: one hour at the max
 * price, rolled forward by billing while it runs.
 */
export const replicaJobSpec = (service: Service, slot: ReplicaSlot): JobSpec => {
  const { spec } = service;
  return {
    name: `${service.name} #${slot.index}`,
    ...(spec.image ? { image: spec.image } : {}),
    ...(spec.command ? { command: spec.command } : {}),
    env: spec.env,
    gpu: spec.gpu,
    hosts: 1,
    ...(spec.regions ? { regions: spec.regions } : {}),
    maxPricePerGpuHour: spec.maxPricePerGpuHour,
    // Interruptible replicas run at their bid; a preempted one ends and the service replaces it.
    ...(spec.tier ? { tier: spec.tier, ...(spec.bidPerGpuHour !== undefined ? { bidPerGpuHour: spec.bidPerGpuHour } : {}) } : {}),
    maxDurationSeconds: REPLICA_MAX_DURATION_SECONDS,
    restartPolicy: 'never',
    ports: spec.ports,
    ...(spec.sshKeys ? { sshKeys: spec.sshKeys } : {}),
    ...(spec.template ? { template: spec.template } : {}),
    ...(spec.secretEnv ? { secretEnv: spec.secretEnv } : {}),
    ...(spec.verified !== undefined ? { verified: spec.verified } : {}),
    ...(spec.minScore !== undefined ? { minScore: spec.minScore } : {}),
    service: {
      serviceId: service.serviceId,
      replica: slot.index,
      generation: slot.generation,
      ...(service.spread ? { spread: service.spread } : {}),
      ...(slot.pinHostId ? { pinHostId: slot.pinHostId } : {}),
      ...(slot.excludeHostIds?.length ? { excludeHostIds: slot.excludeHostIds } : {}),
      ...(slot.excludeProviderIds?.length ? { excludeProviderIds: slot.excludeProviderIds } : {}),
      healthCheck: spec.healthCheck,
    },
  };
};

/** A new, queued replica job waiting for its hold, as `submitJob` makes any job. */
export const newReplicaJob = (service: Service, slot: ReplicaSlot, now: Date, holdMarginSeconds: number): Job => {
  const spec = replicaJobSpec(service, slot);
  return {
    jobId: slot.jobId,
    renterId: service.renterId,
    spec,
    status: 'queued',
    statusReason: 'waiting for funds',
    holdAmount: holdAmountFor(spec, holdMarginSeconds),
    fundsHeld: false,
    createdAt: now.toISOString(),
    attempt: 1,
    restarts: 0,
    notAccepted: 0,
    assignments: [],
    cost: microUsd(0),
    revision: 0,
  };
};
