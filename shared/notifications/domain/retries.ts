/** How hard a delivery is tried. */
export interface DeliverySettings {
  /** Attempts in all, the first included; after the last failure the delivery is `failed`. */
  readonly maxAttempts: number;
  /** Wait before the second attempt; each later wait doubles, up to SQS's 15-minute delay. */
  readonly retryBaseSeconds: number;
  readonly requestTimeoutSeconds: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = { maxAttempts: 8, retryBaseSeconds: 30, requestTimeoutSeconds: 10 };

/** SQS holds a message back at most this long (DelaySeconds). */
export const MAX_DELAY_SECONDS = 900;

/**
 * Seconds to wait after failed attempt `attempt` (1-based) before the next: base, 2 x base,
 * 4 x base, ... capped at 15 minutes. With the defaults: 30 s, 1, 2, 4, 8 min, then 15, 15
 * (eight attempts over about 46 minutes).
 */
export const retryDelaySeconds = (attempt: number, baseSeconds: number): number =>
  Math.min(MAX_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, attempt - 1));

/** The whole schedule, for documentation and tests: the waits before attempts 2..maxAttempts. */
export const retrySchedule = (settings: Pick<DeliverySettings, 'maxAttempts' | 'retryBaseSeconds'>): number[] =>
  Array.from({ length: Math.max(0, settings.maxAttempts - 1) }, (_unused, i) => retryDelaySeconds(i + 1, settings.retryBaseSeconds));

export type AttemptResult = { readonly ok: true; readonly statusCode: number } | { readonly ok: false; readonly statusCode?: number; readonly error: string };

/** What a delivery becomes after attempt `attempt`. */
export const afterAttempt = (attempt: number, result: AttemptResult, maxAttempts: number): 'delivered' | 'retry' | 'failed' =>
  result.ok ? 'delivered' : attempt >= maxAttempts ? 'failed' : 'retry';
