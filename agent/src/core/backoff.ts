/**
 * Capped exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"):
 * the n-th retry waits a random time in [0, min(cap, base * 2^n)], so a fleet of agents
 * that lost the API at the same moment does not come back in lockstep.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 60_000 };

/**
 * For an API that answered "not yet" (`assignment_not_ready`): nothing is overloaded, a projection
 * is catching up, so the wait stays short however often it repeats. Under DEFAULT_BACKOFF a
 * lag of tens of seconds grew the wait as much again, and a short job's logs could arrive after
 * its followers had been told they were complete.
 */
export const NOT_READY_BACKOFF: BackoffPolicy = { baseMs: 250, capMs: 2_000 };

/** The ceiling of the wait before retry number `attempt` (0-based). */
export const backoffCeiling = (attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number =>
  Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));

/** The wait before retry number `attempt`; `random` is a seam for tests. */
export const backoffDelay = (attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number =>
  Math.floor(random() * backoffCeiling(attempt, policy));

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
