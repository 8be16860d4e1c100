/**
 * Exit codes (documented in README.md, "Renter CLI"): scripts branch on them.
 */
export const ExitCode = {
  ok: 0,
  /** `jobs wait` (and `jobs submit --wait`): the job ended failed, cancelled or expired; `export`: the export failed. */
  jobNotSucceeded: 1,
  /** Bad flags or arguments: nothing was sent. */
  usage: 2,
  /** The API refused the request (400, 402, 404, 409, ...). */
  apiRefused: 3,
  /** No key, or the key was refused (401, 403). */
  auth: 4,
  /** The API could not be reached, or failed (5xx). */
  unavailable: 5,
  /** `--timeout` passed before the job or export ended. */
  timeout: 6,
  /** `jobs cancel`: the job had already ended (succeeded, failed or expired), so there was nothing to cancel. */
  alreadyEnded: 7,
  /** A bug in the CLI itself (EX_SOFTWARE). */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in the command line: shown with the command's usage hint. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** The API's error shape, `{ error: { code, message, details } }`, with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly FieldIssue[] = [],
  ) {
    super(message);
  }

  get exitCode(): ExitCode {
    if (this.status === 401 || this.status === 403) return ExitCode.auth;
    if (this.status >= 500) return ExitCode.unavailable;
    return ExitCode.apiRefused;
  }
}

/** The API could not be reached at all. */
export class UnreachableError extends Error {}

/** Anything else the CLI reports and exits with. */
export class CliFailure extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
  }
}
