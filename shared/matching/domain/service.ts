import type { MicroUsd } from '#platform/money.ts';
import type { JobSpec } from './job.ts';
import type { PortSpec } from './ports.ts';

/**
 * An inference service: `replicas` copies of one image kept running across hosts. Each
 * replica IS a job (its spec carries `service`), so funds, metering, billing, statements and
 * exports treat it as any job. The service keeps one slot per replica index naming the job
 * that serves it now; the reconciler (service-reconcile.ts) replaces a slot's job when it
 * ends, turns unhealthy or its host stops answering.
 */
export type SpreadPolicy = 'hosts' | 'providers';

export interface HealthCheck {
  /** An absolute HTTP path, asked with GET; any 2xx or 3xx is healthy. */
  readonly path: string;
  /** The container port (one of the service's http ports) the check is sent to, through its host port. */
  readonly port: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  /** Consecutive failures (after the grace) that make the replica unhealthy. */
  readonly failureThreshold: number;
  /** Failures in this long after the replica started do not count (a model loading its weights). */
  readonly startupGraceSeconds: number;
}

/** What every replica runs: a job spec without the per-job fields. */
export interface ServiceSpec {
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly PortSpec[];
  readonly gpu: JobSpec['gpu'];
  readonly regions?: readonly string[];
  /** For interruptible replicas, their bid (as on jobs). */
  readonly maxPricePerGpuHour: MicroUsd;
  readonly tier?: JobSpec['tier'];
  readonly bidPerGpuHour?: MicroUsd;
  readonly healthCheck: HealthCheck;
  readonly template?: JobSpec['template'];
  readonly secretEnv?: readonly string[];
  readonly sshKeys?: readonly string[];
  readonly verified?: boolean;
  readonly minScore?: number;
}

export interface ReplicaSlot {
  readonly index: number;
  /** How many jobs this slot has had: the current job's id ends in `g<generation>`. */
  readonly generation: number;
  readonly jobId: string;
  /** The service spec revision the current job runs (a rolling update raises the service's). */
  readonly specRevision: number;
  /** Restarts in place on the current host (at most one, then the replica moves). */
  readonly restartsInPlace: number;
  /** Replacements since the slot was last ready: a crash loop stops being replaced at MAX_REPLICA_FAILURES. */
  readonly failures: number;
  /** Why the slot stopped being replaced (a crash loop); absent while it is kept alive. */
  readonly gaveUp?: string;
  /** Where the current job may go (its spec's `service` carries them): see service-spread.ts. */
  readonly pinHostId?: string;
  readonly excludeHostIds?: readonly string[];
  readonly excludeProviderIds?: readonly string[];
}

/** A replica job the service let go of: stopped now, or kept until its slot's replacement is ready (its host stopped answering). */
export interface RetiringReplica {
  readonly jobId: string;
  readonly index: number;
  readonly reason: string;
  readonly stopWhenReplaced: boolean;
}

export interface ServiceEndpoint {
  readonly replica: number;
  readonly jobId: string;
  readonly assignmentId: string;
  readonly hostId: string;
  readonly region: string;
  /** `publicAddress:hostPort` of the health-checked port. */
  readonly address: string;
  readonly url: string;
}

export type ServiceStatus = 'active' | 'stopping' | 'stopped' | 'failed';

export interface Service {
  readonly serviceId: string;
  readonly renterId: string;
  readonly name: string;
  readonly spec: ServiceSpec;
  readonly specRevision: number;
  readonly replicas: number;
  readonly spread?: SpreadPolicy;
  readonly status: ServiceStatus;
  /** Why it stopped, failed, or is short of replicas (a crash loop): for the renter. */
  readonly statusReason: string | null;
  /** What `stopping` ends as. */
  readonly stopAs?: 'stopped' | 'failed';
  readonly slots: readonly ReplicaSlot[];
  readonly retiring: readonly RetiringReplica[];
  /** Every job the service ever made, oldest first: its cost is theirs. */
  readonly jobIds: readonly string[];
  readonly endpoints: readonly ServiceEndpoint[];
  /** Raised each time the endpoint set changes: the ETag of GET .../endpoints. */
  readonly endpointsVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
}

export { MAX_REPLICAS, MIN_REPLICAS } from '#contract/services.ts';
/** A slot whose replacements fail this many times in a row (never ready) is not replaced again. */
export const MAX_REPLICA_FAILURES = 5;
/**
 * Replica jobs run 14 days, then are replaced like any ended replica. Not the 30 days a job may
 * have: an agent's max-duration timer (setTimeout) cannot be armed past 24.8 days, and a host
 * with maintenance scheduled inside the span is not chosen (maintenance-fit.ts).
 */
export const REPLICA_MAX_DURATION_SECONDS = 14 * 24 * 3600;

export const isServiceFinal = (status: ServiceStatus): boolean => status === 'stopped' || status === 'failed';

/** `svc_<body>` -> `job_<body>`: every replica job id starts with it, so placement can tell a service's jobs apart on a host. */
export const replicaJobPrefix = (serviceId: string): string => `job_${serviceId.replace(/^svc_/, '')}r`;
/** The job ids of one slot: `job_<body>r<index>g<generation>`. */
export const slotJobPrefix = (serviceId: string, index: number): string => `${replicaJobPrefix(serviceId)}${index}g`;
/** Deterministic, so a reconciler run again (a redelivery, a lost race) creates nothing twice. */
export const replicaJobId = (serviceId: string, index: number, generation: number): string => `${slotJobPrefix(serviceId, index)}${generation}`;

/** The replica a job id belongs to, if it is one of this service's. */
export const replicaOfJobId = (jobId: string): { readonly serviceId: string; readonly index: number; readonly generation: number } | undefined => {
  const match = /^job_([0-9a-z]{22})r(\d+)g(\d+)$/.exec(jobId);
  return match ? { serviceId: `svc_${match[1]}`, index: Number(match[2]), generation: Number(match[3]) } : undefined;
};

/** On a replica job's spec: which service and slot it serves, and where it may be placed. */
export interface ReplicaOf {
  readonly serviceId: string;
  readonly replica: number;
  readonly generation: number;
  readonly spread?: SpreadPolicy;
  /** A restart in place: only this host (the one the unhealthy replica ran on). */
  readonly pinHostId?: string;
  /** Hosts this slot's earlier jobs failed or were lost on. */
  readonly excludeHostIds?: readonly string[];
  /** `spread: providers`: providers the other replicas run on when this job was made. */
  readonly excludeProviderIds?: readonly string[];
  readonly healthCheck: HealthCheck;
}
