import { ApiError, describeError, isRetryable } from './errors.ts';
import { backoffDelay, DEFAULT_BACKOFF, NOT_READY_BACKOFF, sleep as defaultSleep, type BackoffPolicy, type Sleep } from './backoff.ts';
import type { Logger } from './logger.ts';
import { silentLogger } from './logger.ts';
import type { Outbox, OutboxEntry, OutboxKind } from './outbox.ts';
import { isoTime } from './clock.ts';

/** The calls that deliver entries; each throws ApiError or NetworkError when it did not. */
export interface OutboxTransport {
  sendEvent(assignmentId: string, event: unknown): Promise<void>;
  sendUsage(records: readonly unknown[]): Promise<void>;
  sendLogs(assignmentId: string, chunks: readonly unknown[]): Promise<void>;
}

/** `withdrawn`: the API answered 409 to an event (an `accepted` on a withdrawn assignment). */
export type Outcome = 'delivered' | 'withdrawn' | 'dropped';

export interface OutboxSenderOptions {
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly sleep?: Sleep;
  readonly onSettled?: (entry: OutboxEntry, outcome: Outcome, error?: unknown) => void;
  /** How long an assignment's `afterLogs` event waits for the log chunks put before it (default LOGS_FIRST_MS). */
  readonly logsFirstMs?: number;
}

/**
 * A job's end (an `afterLogs` event) waits this long at most for its earlier log chunks to be
 * stored: it then reaches the platform after the job's last output, so a follower told the logs
 * are complete has them all; a logs service that cannot take them does not hold the end up for
 * longer. Other events (accepted, started, health) never wait for logs.
 */
export const LOGS_FIRST_MS = 15_000;

const MAX_USAGE_RECORDS = 100;
const MAX_LOG_CHUNKS = 50;
/** The API refuses bodies over 256 KiB; stay well under with JSON escaping. */
const MAX_LOG_BATCH_CHARS = 96 * 1024;

interface Lane {
  readonly kind: OutboxKind;
  failures: number;
  retryAt: number;
  lastError: string | undefined;
  /** After a 400 on a batch, records go one by one until the lane is empty. */
  singles: boolean;
  wake: (() => void) | undefined;
  backoff: AbortController | undefined;
}

/**
 * Sends the outbox in three lanes, so log chunks never hold up usage, and events only at a job's
 * end: `event` (per assignment in order: `started` never overtakes `accepted`; the end after the
 * log chunks put before it, or LOGS_FIRST_MS), `usage` (batches of 100), `logs` (per assignment,
 * by seq). Each lane retries network errors, 429, 5xx and refused tokens with capped exponential
 * backoff and full jitter (a "not yet" answer with a short cap, NOT_READY_BACKOFF), and drops
 * what the API refuses for good (400, 404, 409, 413), telling `onSettled`.
 */
export class OutboxSender {
  private readonly lanes: Lane[];
  private readonly logger: Logger;
  private readonly sleep: Sleep;
  private running: Promise<void>[] = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly transport: OutboxTransport,
    private readonly options: OutboxSenderOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.sleep = options.sleep ?? defaultSleep;
    this.lanes = (['event', 'usage', 'logs'] as const).map((kind) => ({
      kind, failures: 0, retryAt: 0, lastError: undefined, singles: false, wake: undefined, backoff: undefined,
    }));
    outbox.onPut(() => this.wake());
  }

  start(signal: AbortSignal): void {
    this.running = this.lanes.map((lane) => this.runLane(lane, signal));
    signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  /** Resolves when every lane has stopped (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }

  /** New entries: idle lanes look again (lanes in backoff keep waiting). */
  wake(): void {
    for (const lane of this.lanes) lane.wake?.();
  }

  /** The API is back (a heartbeat got through) or we are flushing: cut every backoff short. */
  retryNow(): void {
    for (const lane of this.lanes) lane.backoff?.abort();
    this.wake();
  }

  status(): { kind: OutboxKind; failures: number; lastError: string | undefined; retryAt: string | undefined }[] {
    return this.lanes.map((lane) => ({
      kind: lane.kind,
      failures: lane.failures,
      lastError: lane.lastError,
      retryAt: lane.failures > 0 ? isoTime(new Date(lane.retryAt)) : undefined,
    }));
  }

  /** Sends until nothing of `kinds` is pending or the time is up; true when all went. */
  async flush(timeoutMs: number, kinds: readonly OutboxKind[] = ['event', 'usage', 'logs']): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const left = () => kinds.reduce((sum, kind) => sum + this.outbox.pending(kind).length, 0);
    while (left() > 0 && Date.now() < deadline) {
      this.retryNow();
      await this.sleep(Math.min(100, Math.max(1, deadline - Date.now())));
    }
    return left() === 0;
  }

  private async runLane(lane: Lane, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const batches = this.batchesOf(lane);
      if (batches.length === 0) {
        const released = this.nextReleaseIn(lane);
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          lane.wake = resolve;
          if (released !== undefined) timer = setTimeout(resolve, released);
          if (signal.aborted || this.batchesOf(lane).length > 0) resolve();
        });
        clearTimeout(timer);
        lane.wake = undefined;
        continue;
      }
      let failed: unknown;
      for (const batch of batches) {
        if (signal.aborted) return;
        try {
          await this.deliver(lane, batch);
        } catch (error) {
          failed = error;
          break;
        }
      }
      if (failed === undefined) {
        if (lane.failures > 0) this.logger.info('outbox delivering again', { lane: lane.kind, afterFailures: lane.failures });
        lane.failures = 0;
        lane.lastError = undefined;
        continue;
      }
      const notReady = failed instanceof ApiError && failed.notReady;
      const delay = backoffDelay(lane.failures, notReady ? NOT_READY_BACKOFF : (this.options.backoff ?? DEFAULT_BACKOFF), this.options.random);
      lane.failures += 1;
      lane.lastError = describeError(failed);
      lane.retryAt = Date.now() + delay;
      const log = failed instanceof ApiError && failed.unauthorized ? this.logger.error : notReady ? this.logger.info : this.logger.warn;
      log(
        failed instanceof ApiError && failed.unauthorized
          ? 'the API refused the agent token: run gpuhive-agent doctor (re-register if the host was deregistered); keeping everything queued'
          : 'outbox send failed; will retry',
        { lane: lane.kind, attempt: lane.failures, retryInMs: delay, error: lane.lastError },
      );
      lane.backoff = new AbortController();
      const cut = lane.backoff.signal;
      const stop = () => lane.backoff?.abort();
      signal.addEventListener('abort', stop, { once: true });
      await this.sleep(delay, cut);
      signal.removeEventListener('abort', stop);
      lane.backoff = undefined;
    }
  }

  /** What the lane would send now, as batches. */
  private batchesOf(lane: Lane): OutboxEntry[][] {
    const pending = this.outbox.pending(lane.kind);
    if (pending.length === 0) return [];
    if (lane.kind === 'usage') {
      if (lane.singles) return pending.map((entry) => [entry]);
      const batches: OutboxEntry[][] = [];
      for (let i = 0; i < pending.length; i += MAX_USAGE_RECORDS) batches.push(pending.slice(i, i + MAX_USAGE_RECORDS));
      return batches;
    }
    const byAssignment = new Map<string, OutboxEntry[]>();
    for (const entry of pending) byAssignment.set(entry.assignmentId, [...(byAssignment.get(entry.assignmentId) ?? []), entry]);
    if (lane.kind === 'event') return [...byAssignment.values()].map((entries) => [entries[0]!]).filter(([entry]) => this.heldFor(entry!) === undefined);
    return [...byAssignment.values()].map((entries) => {
      const batch: OutboxEntry[] = [];
      let chars = 0;
      for (const entry of entries) {
        const size = String((entry.payload as { data?: string }).data ?? '').length;
        if (batch.length > 0 && (batch.length >= MAX_LOG_CHUNKS || chars + size > MAX_LOG_BATCH_CHARS)) break;
        batch.push(entry);
        chars += size;
      }
      return batch;
    });
  }

  /** How much longer an `afterLogs` event waits for log chunks of its assignment put before it; undefined when it may go. */
  private heldFor(event: OutboxEntry): number | undefined {
    if (!event.afterLogs) return undefined;
    const left = Date.parse(event.createdAt) + (this.options.logsFirstMs ?? LOGS_FIRST_MS) - Date.now();
    if (left <= 0) return undefined;
    for (const entry of this.outbox.pending()) {
      if (entry.id === event.id) return undefined;
      if (entry.kind === 'logs' && entry.assignmentId === event.assignmentId) return left;
    }
    return undefined;
  }

  /** When the soonest held event of the lane may go regardless of its logs (ms from now). */
  private nextReleaseIn(lane: Lane): number | undefined {
    if (lane.kind !== 'event') return undefined;
    const held = this.outbox.pending('event').map((entry) => this.heldFor(entry)).filter((left) => left !== undefined);
    return held.length > 0 ? Math.min(...held) : undefined;
  }

  /** Sends one batch; settles it on success or a permanent refusal; throws when it may retry. */
  private async deliver(lane: Lane, batch: OutboxEntry[]): Promise<void> {
    const first = batch[0]!;
    try {
      if (lane.kind === 'event') await this.transport.sendEvent(first.assignmentId, first.payload);
      else if (lane.kind === 'usage') await this.transport.sendUsage(batch.map((entry) => entry.payload));
      else await this.transport.sendLogs(first.assignmentId, batch.map((entry) => entry.payload));
    } catch (error) {
      if (isRetryable(error) || (error instanceof ApiError && error.unauthorized) || !(error instanceof ApiError)) throw error;
      if (lane.kind === 'usage' && error.status === 400 && batch.length > 1) {
        // One bad record refuses the whole batch: find it by sending them one by one.
        lane.singles = true;
        throw error;
      }
      const outcome: Outcome = lane.kind === 'event' && error.status === 409 ? 'withdrawn' : 'dropped';
      if (outcome === 'dropped') this.logger.warn('the API refused an outbox entry for good; dropped', { lane: lane.kind, assignmentId: first.assignmentId, error: error.message, entries: batch.length });
      this.settle(batch, outcome, error);
      return;
    }
    this.settle(batch, 'delivered');
    if (lane.kind === 'usage' && this.outbox.pending('usage').length === 0) lane.singles = false;
  }

  private settle(batch: readonly OutboxEntry[], outcome: Outcome, error?: unknown): void {
    this.outbox.settle(batch.map((entry) => entry.id), outcome === 'delivered' ? 'delivered' : 'dropped');
    for (const entry of batch) this.options.onSettled?.(entry, outcome, error);
    // Settled chunks may release a status event held for them.
    if (batch[0]?.kind === 'logs') this.wake();
  }
}
