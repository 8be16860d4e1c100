/**
 * The one optimistic-concurrency retry: run an attempt (read, decide, conditional write);
 * when it reports a lost race, wait a jittered, exponentially growing delay and run it
 * again, up to a cap. Pure (no AWS): use cases and adapters share it. Sleep and random are
 * injected so tests never wait.
 */

/** What an attempt returns when a concurrent writer won and it should read again. */
export const CONFLICT: unique symbol = Symbol('conflict');
export type Conflict = typeof CONFLICT;

export interface RetryOnConflictOptions {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** What to throw when every attempt lost: given the last thrown conflict, if any. */
  readonly exhausted: (lastError?: unknown) => unknown;
  /** A thrown error that also means "lost a race" (e.g. DynamoDB's TransactionConflict). */
  readonly isConflict?: (error: unknown) => boolean;
  /** Full jitter: before attempt n+1, wait random() * min(maxDelayMs, baseDelayMs * 2^n). 0: retry at once. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Real time when absent (undefined included, so a caller may pass its deps' optional sleep as is). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly random?: () => number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before the attempt after `attempt` (1-based): full jitter under an exponential ceiling. */
export const backoffDelay = (attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number =>
  random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);

/** The first result an attempt returns that is not `CONFLICT`; `exhausted()` thrown when none does. */
export const retryOnConflict = async <T>(attempt: (attempt: number) => Promise<T | Conflict>, options: RetryOnConflictOptions): Promise<T> => {
  const { attempts, baseDelayMs = 0, maxDelayMs = 1000, sleep = realSleep, random = Math.random } = options;
  let lastError: unknown;
  for (let n = 1; n <= attempts; n += 1) {
    try {
      const result = await attempt(n);
      if (result !== CONFLICT) return result as T;
    } catch (error) {
      if (!options.isConflict?.(error)) throw error;
      lastError = error;
    }
    if (n < attempts && baseDelayMs > 0) await sleep(backoffDelay(n, baseDelayMs, maxDelayMs, random));
  }
  throw options.exhausted(lastError);
};
