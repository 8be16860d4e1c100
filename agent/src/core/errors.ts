/**
 * How the agent classifies what went wrong when it called the API. `core` owns the
 * decision: network errors, 429 and 5xx are retried with backoff; 401/403 stop with a clear
 * message (the token is wrong or the host was deregistered); other 4xx are permanent.
 */
export class AgentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The API could not be reached, or answered something that was not HTTP. */
export class NetworkError extends AgentError {}

export class ApiError extends AgentError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(`${status} ${code}: ${message}`);
  }

  get retryable(): boolean {
    return this.status === 429 || this.status >= 500 || this.notReady;
  }

  /** `assignment_not_ready`: the API has not yet heard of an assignment this host just started. */
  get notReady(): boolean {
    return this.status === 409 && this.code === 'assignment_not_ready';
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** True when trying again later may succeed. */
export const isRetryable = (error: unknown): boolean =>
  error instanceof NetworkError || (error instanceof ApiError && error.retryable);

export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
