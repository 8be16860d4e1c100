import type { ApiClient } from '#agent/api/client.ts';
import type { BackoffPolicy, Sleep } from '#agent/core/backoff.ts';
import type { Clock } from '#agent/core/clock.ts';
import type { Logger } from '#agent/core/logger.ts';
import type { Outbox } from '#agent/core/outbox.ts';
import type { AgentState, StatePaths } from '#agent/config/state.ts';
import type { DockerRunner } from '#agent/runner/docker-runner.ts';
import type { JobRunner } from '#agent/runner/types.ts';
import type { GpuIdentity, VerifierBackend } from '#agent/verify/backend.ts';
import type { AssignmentStore } from './assignment-store.ts';
import type { QueuePollerOptions } from './queue-poller.ts';

export interface AgentOptions {
  readonly state: AgentState;
  readonly paths: StatePaths;
  readonly api: ApiClient;
  readonly logger: Logger;
  readonly runners: { readonly process?: JobRunner; readonly docker?: DockerRunner };
  /** Usage is reported this often per running assignment (default 60 s) and at the end. */
  readonly usageIntervalMs?: number;
  /** Between SIGTERM and SIGKILL when a job is stopped (default 10 s). */
  readonly stopGraceMs?: number;
  /** Reconciling ignores assignments younger than this (default 2 minutes, API.md). */
  readonly reconcileGraceMs?: number;
  /** How long shutdown waits for the outbox to drain (default 10 s). */
  readonly flushTimeoutMs?: number;
  readonly outboxBackoff?: BackoffPolicy;
  readonly poller?: Partial<QueuePollerOptions>;
  readonly gpuUtilization?: () => Promise<Map<number, number>>;
  /** Log chunks of one assignment beyond this many characters are kept on disk only (default 10 Mi). */
  readonly maxShippedLogChars?: number;
  readonly sleep?: Sleep;
  /** The time stamped on events, usage, heartbeats and assignments (default: the system clock). */
  readonly clock?: Clock;
  /** Runs the platform's verification challenges while idle; absent: none are run (they end `missed`). */
  readonly verifier?: { readonly backend: VerifierBackend; readonly gpus: readonly GpuIdentity[]; readonly recordsPath: string };
}

/**
 * What the worker's parts share (after buildkite/agent's worker: one loop, its parts in their
 * own files): the options, the time, the on-disk outbox and assignments, and the agent's
 * one-way states. Every part reads it; only `Agent` changes `draining` and `stopping`.
 */
export interface WorkerContext {
  readonly options: AgentOptions;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly outbox: Outbox;
  readonly store: AssignmentStore;
  /** Aborted once: SIGTERM, or the API refused the agent token. */
  readonly stopping: AbortSignal;
  /** Draining: no new work; the running jobs finish, then the host signs off. */
  isDraining(): boolean;
  /** A job ended or the agent must stop: `run` looks again at once whether it is done. */
  wakeDrain(): void;
  /** Something the platform should hear now rather than at the next interval. */
  wakeHeartbeat(): void;
}

export const DEFAULT_STOP_GRACE_MS = 10_000;
