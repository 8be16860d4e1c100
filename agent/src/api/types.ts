import type { HealthCheckSpec, HealthReport } from '#agent/runner/health-check.ts';
import type { Challenge, GpuAnswer, GpuCommitment, GpuReveal } from '#registry/domain/verification/challenge.ts';

/** The Agent section of API.md, as the agent sends and reads it. */
export interface GpuFact {
  readonly name: string;
  readonly vramMb: number;
  readonly uuid: string;
  readonly index: number;
}

export type Runtime = 'docker' | 'process';

export interface RegisterRequest {
  readonly registrationToken: string;
  readonly hostname: string;
  readonly region: string;
  readonly pricePerGpuHour: string;
  /** The lowest bid for idle GPUs (interruptible work); absent: the platform's default (half the price). */
  readonly minBidPerGpuHour?: string;
  readonly gpus: readonly GpuFact[];
  readonly cpuCores: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly runtimes: readonly Runtime[];
  readonly driverVersion?: string;
  readonly cudaVersion?: string;
  readonly publicAddress?: string;
  /** Public TCP ports the provider's firewall forwards here, for jobs' declared ports. */
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly simulated?: boolean;
}

export interface RegisterResponse {
  readonly hostId: string;
  readonly agentToken: string;
  readonly heartbeatIntervalSeconds: number;
}

/** Sent in the heartbeat only while the host's queue poll keeps failing: the platform then places no work here. */
export interface QueuePollHealth {
  readonly failingSince: string;
  readonly failures: number;
  readonly error: string;
}

export interface HeartbeatRequest {
  readonly runningAssignments: readonly string[];
  readonly draining?: boolean;
  readonly gpuUtilization?: readonly number[];
  readonly queuePoll?: QueuePollHealth;
  /** Ask for a verification run now (`gpuhive-agent verify`). */
  readonly requestVerification?: boolean;
  /** The verification run given up because a renter's assignment arrived. */
  readonly abortedVerification?: string;
}

export interface HeartbeatResponse {
  readonly status: 'online' | 'unreachable' | 'offline';
  readonly statusReason: string | null;
  readonly listed: boolean;
  /** Whether the platform places new work here (older APIs leave it out). */
  readonly acceptsWork?: boolean;
  readonly heartbeatIntervalSeconds: number;
  readonly assignments: readonly string[];
  /** The provider's maintenance windows not yet ended (older APIs leave it out): shown by `status`, nothing more. */
  readonly maintenance?: readonly MaintenanceWindow[];
  /** A verification run to start while idle (docs/verification.md). */
  readonly verification?: Challenge;
}

export interface MaintenanceWindow {
  readonly windowId: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly category: string;
  readonly note?: string;
}

export type VerificationStep =
  | { readonly step: 'commit'; readonly gpus: readonly GpuCommitment[] }
  | { readonly step: 'answer'; readonly gpus: readonly GpuAnswer[] };

export interface VerificationStepResult {
  readonly runId: string;
  readonly kind: 'revealed' | 'passed' | 'failed';
  readonly reveal?: readonly GpuReveal[];
  readonly answerBy?: string;
  readonly score?: number;
  readonly gpus?: readonly { readonly index: number; readonly model: string; readonly tflops: number; readonly bandwidthGBs: number; readonly score: number }[];
  readonly reason?: string;
}

export interface QueueCredentials {
  readonly queueUrl: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
  readonly expiresAt: string;
}

export interface Peer {
  readonly rank: number;
  readonly hostId: string;
  readonly address?: string;
}

export interface AssignmentMessage {
  readonly type: 'assignment';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly gpuIndices: readonly number[];
  readonly maxDurationSeconds: number;
  /** The platform's stop grace: nothing past the max duration + this is billed, so SIGKILL comes by then. */
  readonly stopGraceSeconds?: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly peers: readonly Peer[];
  /** The job's declared ports and the host ports the platform reserved for them: only these are published. */
  readonly ports?: readonly AssignedPort[];
  /** OpenSSH public keys let into the job: `PUBLIC_KEY`, and a read-only authorized_keys file in Docker jobs. */
  readonly sshKeys?: readonly string[];
  /** Env names whose values the platform generated for the renter (a Jupyter token): kept out of the logs. */
  readonly secretEnv?: readonly string[];
  /** A service replica: the HTTP check to run against its host port and report (runner/health-check.ts). */
  readonly healthCheck?: HealthCheckSpec;
}

/** A port the job listens on (`containerPort`) and the public host port placement gave it. */
export interface AssignedPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: 'http' | 'tcp';
  readonly hostPort: number;
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly reason: string;
  /** When the platform stops billing the assignment (the stop request + its grace): SIGKILL by then. */
  readonly deadline?: string;
  readonly graceSeconds?: number;
}

export type HostMessage = AssignmentMessage | CancelMessage;

export interface AssignmentView {
  readonly assignmentId: string;
  readonly jobId?: string;
  readonly state: string;
  readonly live: boolean;
  readonly message?: AssignmentMessage;
}

export type AgentEventType = 'accepted' | 'started' | 'exited' | 'failed' | 'stopped' | 'health';

export interface AgentEvent {
  readonly type: AgentEventType;
  readonly at: string;
  readonly exitCode?: number;
  readonly message?: string;
  /** With `started`: the host ports seen accepting connections. */
  readonly readyPorts?: readonly number[];
  /** With `health`: a service replica's health check changed state. */
  readonly health?: HealthReport;
}

export interface UsageRecord {
  readonly eventId: string;
  readonly assignmentId: string;
  readonly from: string;
  readonly to: string;
  readonly gpuSeconds: number;
  readonly gpuUtilization?: number;
}

export interface LogChunk {
  readonly seq: number;
  readonly stream: 'stdout' | 'stderr';
  readonly at: string;
  readonly data: string;
}

/** Checks the shape of a queue message; anything else is logged and deleted. */
export const parseHostMessage = (body: string): HostMessage | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const message = value as Record<string, unknown>;
  if (typeof message.assignmentId !== 'string' || typeof message.jobId !== 'string') return undefined;
  if (message.type === 'cancel') return message as unknown as CancelMessage;
  if (message.type !== 'assignment') return undefined;
  if (!Array.isArray(message.gpuIndices) || typeof message.rank !== 'number' || !Array.isArray(message.peers)) return undefined;
  if (!Array.isArray(message.command) && typeof message.image !== 'string') return undefined;
  return { env: {}, worldSize: 1, maxDurationSeconds: 3600, ...message } as unknown as AssignmentMessage;
};
