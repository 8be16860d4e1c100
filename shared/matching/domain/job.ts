import type { MicroUsd } from '#platform/money.ts';
import type { HeldGpus, Runtime } from './capacity.ts';
import type { Requirements } from './placement.ts';
import type { AssignedPort, PortSpec } from './ports.ts';
import type { ReplicaHealth } from './replica-health.ts';
import type { ReplicaOf } from './service.ts';
import { servicePlacementOf } from './service-spread.ts';
import { ANY_LIST_PRICE, interruptibleHold } from './interruptible.ts';

export type JobStatus = 'queued' | 'scheduled' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'preempted';
/** `on-preemption` (interruptible jobs only; their default): re-queued after each preemption, and once after a host loss. */
export type RestartPolicy = 'never' | 'on-host-loss' | 'on-preemption';
export type FinalStatus = 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'preempted';
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'expired', 'preempted'];
/** Whether a lost host (or a failed start) re-queues the job once. */
export const restartsOnHostLoss = (policy: RestartPolicy): boolean => policy !== 'never';

export interface JobSpec {
  readonly name?: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly gpu: { readonly count: number; readonly models?: readonly string[]; readonly minVramMb?: number };
  readonly hosts: number;
  readonly regions?: readonly string[];
  readonly maxPricePerGpuHour: MicroUsd;
  readonly maxDurationSeconds: number;
  readonly restartPolicy: RestartPolicy;
  /** Ports the job listens on: each gets a public host port on its host. */
  readonly ports?: readonly PortSpec[];
  /** OpenSSH public keys let into the job (PUBLIC_KEY, authorized_keys): given on the job, else the account's saved keys. */
  readonly sshKeys?: readonly string[];
  /** The template the job was made from, and its version. */
  readonly template?: { readonly name: string; readonly version: number };
  /** Env values the platform generated (a Jupyter token): shown to the owner, redacted from the job's logs. */
  readonly secretEnv?: readonly string[];
  /** Only verified hosts (docs/verification.md); unset on jobs stored before it existed: any host. */
  readonly verified?: boolean;
  /** Only hosts whose verified score is at least this. */
  readonly minScore?: number;
  /** A replica of an inference service (docs/services.md). */
  readonly service?: ReplicaOf;
  /** `interruptible`: runs on idle GPUs at its bid and gives way to on-demand work (docs/interruptible.md). Absent: on-demand. */
  readonly tier?: 'interruptible';
  /** The interruptible job's price (also stored as its maxPricePerGpuHour, so holds are taken at the bid). */
  readonly bidPerGpuHour?: MicroUsd;
}

/** A job with ports and no command runs its image's own entrypoint until cancelled or its max duration. */
export const isInteractive = (spec: Pick<JobSpec, 'ports' | 'command'>): boolean => (spec.ports?.length ?? 0) > 0 && !spec.command;

/**
 * An assignment's life: `offered` (sent to the host) -> `accepted` -> `running` -> one end:
 * `exited` (with a code), `failed` (could not start, or died with the agent), `stopped`
 * (after a cancel), `withdrawn` (not accepted in time), `lost` (its host went offline).
 * `stopping` means a cancel was sent and the agent's `stopped` is awaited (or the grace).
 */
export type AssignmentState = 'offered' | 'accepted' | 'running' | 'stopping' | 'exited' | 'failed' | 'stopped' | 'withdrawn' | 'lost';
export const LIVE_STATES: readonly AssignmentState[] = ['offered', 'accepted', 'running', 'stopping'];

export interface Assignment {
  readonly assignmentId: string;
  /** Which placement of the job this belongs to (a re-queued job is placed again). */
  readonly attempt: number;
  readonly hostId: string;
  readonly providerId: string;
  readonly rank: number;
  readonly gpuIndices: readonly number[];
  readonly gpuModel: string;
  readonly pricePerGpuHour: MicroUsd;
  readonly region: string;
  readonly publicAddress?: string;
  /** The job's declared ports with the host ports reserved for them. */
  readonly ports?: readonly AssignedPort[];
  /** Host ports the agent has seen accept connections. */
  readonly readyPorts?: readonly number[];
  readonly state: AssignmentState;
  readonly offeredAt: string;
  /** When a message for it (assignment or cancel) was last sent: the resend sweep's clock. */
  readonly lastSentAt: string;
  readonly acceptedAt?: string;
  /** Platform receipt of `started`: the lease starts here, never at the agent's clock. */
  readonly startedAt?: string;
  readonly stopRequestedAt?: string;
  readonly stopReason?: string;
  /** A stop's own billable end when it is not the request + the stop grace (a preemption's grace). */
  readonly stopDeadline?: string;
  /** Interruptible work: billed at its bid (`pricePerGpuHour`) and preemptible. */
  readonly interruptible?: true;
  readonly endedAt?: string;
  readonly endReason?: string;
  readonly exitCode?: number;
  /** A service replica's last health check result, as its agent reported it. */
  readonly health?: ReplicaHealth;
}

export interface Job {
  readonly jobId: string;
  readonly renterId: string;
  readonly spec: JobSpec;
  readonly status: JobStatus;
  readonly statusReason: string | null;
  readonly holdAmount: MicroUsd;
  readonly fundsHeld: boolean;
  readonly createdAt: string;
  /** When it last entered the queue (submit or re-queue): the queue timeout counts from here. */
  readonly queuedAt?: string;
  readonly scheduledAt?: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly attempt: number;
  readonly restarts: number;
  readonly notAccepted: number;
  /** Times an interruptible job was preempted (absent: never). */
  readonly preemptions?: number;
  /** Why it was last re-queued: the next run reads it as GPUHIVE_RESTART_REASON. */
  readonly restartReason?: string;
  /** Hosts that failed this job (did not accept, could not start it, were lost), most recent last: placed elsewhere for a while. */
  readonly avoidHostIds?: readonly string[];
  /** When the avoid list last grew: the avoidance lapses `avoidFailedHostSeconds` later. */
  readonly avoidSince?: string;
  readonly assignments: readonly Assignment[];
  readonly cost: MicroUsd;
  /** When the newest `balance.low` the timeline shows was raised: older or repeated ones add nothing. */
  readonly balanceLowAt?: string;
  /** Maintenance windows of its hosts the renter was told of (ids, most recent last): each is told once. */
  readonly maintenanceNoticed?: readonly string[];
  readonly revision: number;
}

export const isFinal = (status: JobStatus): boolean => FINAL_STATUSES.includes(status);
export const isLive = (assignment: Assignment): boolean => LIVE_STATES.includes(assignment.state);
export const liveAssignments = (job: Job): Assignment[] => job.assignments.filter(isLive);
export const currentAssignments = (job: Job): Assignment[] => job.assignments.filter((a) => a.attempt === job.attempt);

/** What an assignment holds on its host: its GPUs and the host ports of its declared ports, reserved in one write. */
export const heldBy = (jobId: string, assignment: Pick<Assignment, 'gpuIndices' | 'ports'> & Partial<Pick<Assignment, 'interruptible' | 'pricePerGpuHour' | 'offeredAt'>>): HeldGpus => {
  const hostPorts = (assignment.ports ?? []).map((port) => port.hostPort);
  return { jobId, gpuIndices: assignment.gpuIndices, ...(hostPorts.length > 0 ? { hostPorts } : {}), ...interruptibleHold(assignment) };
};

export const runtimeOf = (spec: JobSpec): Runtime => (spec.image ? 'docker' : 'process');

export const requirementsOf = ({ spec, avoidHostIds }: Pick<Job, 'spec' | 'avoidHostIds'>): Requirements => ({
  gpuCount: spec.gpu.count,
  ...(spec.gpu.models ? { models: spec.gpu.models } : {}),
  ...(spec.gpu.minVramMb !== undefined ? { minVramMb: spec.gpu.minVramMb } : {}),
  hosts: spec.hosts,
  ...(spec.regions ? { regions: spec.regions } : {}),
  maxPricePerGpuHour: spec.maxPricePerGpuHour,
  runtime: runtimeOf(spec),
  ...(avoidHostIds && avoidHostIds.length > 0 ? { avoidHostIds } : {}),
  ...(spec.ports && spec.ports.length > 0 ? { ports: spec.ports.length } : {}),
  ...(spec.verified ? { verifiedOnly: true } : {}),
  ...(spec.minScore !== undefined ? { minScore: spec.minScore } : {}),
  ...(spec.service ? { service: servicePlacementOf(spec.service) } : {}),
  // A bid is not a cap on the host's list price: the host's minimum bid decides instead.
  ...(spec.tier === 'interruptible' && spec.bidPerGpuHour !== undefined ? { maxPricePerGpuHour: ANY_LIST_PRICE, bidPerGpuHour: spec.bidPerGpuHour } : {}),
});

const HOUR_SECONDS = 3600;

/**
 * The hold a job needs before it is placed: one hour (or its max duration plus
 * `marginSeconds`, the stop grace and clock skew it may still be billed for, if shorter) at
 * its max price for all its GPUs, rounded up to the micro-dollar so it never falls short.
 */
export const holdAmountFor = (spec: JobSpec, marginSeconds = 0): MicroUsd => {
  const seconds = Math.min(HOUR_SECONDS, spec.maxDurationSeconds + marginSeconds);
  const gpus = spec.gpu.count * spec.hosts;
  return Math.ceil((spec.maxPricePerGpuHour * gpus * seconds) / HOUR_SECONDS) as MicroUsd;
};

/** Assignment ids carry their job id, so an agent's event finds its job in one read. */
export const assignmentIdFor = (jobId: string, attempt: number, rank: number): string => `${jobId}.a${attempt}.r${rank}`;
export const jobIdOfAssignment = (assignmentId: string): string | undefined => /^(job_[0-9a-z]+)\.a\d+\.r\d+$/.exec(assignmentId)?.[1];
