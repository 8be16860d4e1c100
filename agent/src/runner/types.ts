import type { AssignmentMessage } from '#agent/api/types.ts';
import type { JobLogs } from './job-logs.ts';

export interface JobExit {
  /** The exit code, or 128 + the signal number when a signal ended it. */
  readonly exitCode: number;
  readonly signal?: string;
}

/** A job that started; `exited` resolves once, whatever ended it. */
export interface RunningJob {
  readonly pid?: number;
  readonly containerName?: string;
  readonly exited: Promise<JobExit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<JobExit>;
  /** Stop following it but leave it running (Docker jobs across an agent restart). */
  detach(): void;
}

export interface StartContext {
  readonly message: AssignmentMessage;
  readonly env: Record<string, string>;
  readonly workDir: string;
  readonly logs: JobLogs;
  /** Called once the job really runs (for Docker: once the image is pulled and the container up). */
  readonly onStarted: () => void;
}

/** The job could not start (bad command, image pull failed, runtime missing): report `failed`. */
export class StartError extends Error {}

export interface JobRunner {
  start(context: StartContext): Promise<RunningJob>;
}
