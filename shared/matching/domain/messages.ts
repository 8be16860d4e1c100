import type { AssignedPort } from './ports.ts';

/** The queue messages of API.md, as an agent reads them from its host's queue. */
export interface AssignmentMessage {
  readonly type: 'assignment';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly gpuIndices: readonly number[];
  readonly maxDurationSeconds: number;
  /**
   * The platform's stop grace: at the max duration (counted from the agent's start) the agent
   * sends SIGTERM and, this long after, SIGKILL; nothing after that is billed.
   */
  readonly stopGraceSeconds?: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly peers: readonly { readonly rank: number; readonly hostId: string; readonly address?: string }[];
  /** Declared ports and the host ports reserved for them: Docker publishes exactly these. */
  readonly ports?: readonly AssignedPort[];
  /** OpenSSH public keys: `PUBLIC_KEY` and a read-only authorized_keys file in the job. */
  readonly sshKeys?: readonly string[];
  /** Env names whose values are the owner's generated secrets: the agent keeps them out of the logs. */
  readonly secretEnv?: readonly string[];
  /** A service replica: the HTTP check the agent runs against its host port and reports (docs/services.md). */
  readonly healthCheck?: ReplicaHealthCheck;
}

export interface ReplicaHealthCheck {
  readonly path: string;
  readonly hostPort: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly startupGraceSeconds: number;
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly reason: string;
  /** The lease's billable end (the stop request + the grace): the agent kills the job by then. */
  readonly deadline?: string;
  /** The grace itself, for an agent whose clock disagrees with the platform's. */
  readonly graceSeconds?: number;
}

export interface HostMessage {
  readonly hostId: string;
  readonly message: AssignmentMessage | CancelMessage;
}
