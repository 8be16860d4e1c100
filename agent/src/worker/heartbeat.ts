import type { HeartbeatResponse } from '#agent/api/types.ts';
import { ApiError, describeError, isRetryable } from '#agent/core/errors.ts';
import { writeJsonFile } from '#agent/core/files.ts';
import type { OutboxSender } from '#agent/core/outbox-sender.ts';
import type { LastHeartbeat } from '#agent/config/state.ts';
import type { WorkerContext } from './context.ts';
import type { IdleVerification } from './idle-verification.ts';
import type { JobSupervisor } from './job-supervisor.ts';
import type { QueuePoller } from './queue-poller.ts';
import { reconcile } from './reconcile.ts';
import { isoTime } from '#agent/core/clock.ts';

/** Refused heartbeats in a row, after earlier ones were answered, before the agent stops. */
const REFUSALS_BEFORE_STOP = 3;

export interface HeartbeatParts {
  readonly poller: QueuePoller;
  readonly sender: OutboxSender;
  readonly jobs: JobSupervisor;
  readonly verification: IdleVerification;
  /** The API refused the agent token for good: the agent stops, and the CLI prints the fix. */
  readonly onRefused: (reason: string) => void;
}

/**
 * The heartbeat at the server's interval (after buildkite/agent's): tells the platform what
 * runs, whether the agent drains, the GPUs' utilization and a failing queue poll; keeps the
 * answer in the last-heartbeat file `status` reads; reconciles the assignments it lists; and
 * starts a verification run it hands out. After a failure it tries again sooner, to notice the
 * API's return and resend the outbox at once.
 */
export class Heartbeat {
  private intervalSeconds: number;
  private ok = true;
  private answered = 0;
  private refusals = 0;
  private signedOff = false;
  private wakeUp: (() => void) | undefined;
  private readonly firstListedAt = new Map<string, number>();
  /** A heartbeat or the sign-off, one at a time (`signOff`). */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: WorkerContext,
    private readonly parts: HeartbeatParts,
  ) {
    this.intervalSeconds = context.options.state.heartbeatIntervalSeconds;
  }

  /** Sends the next heartbeat now instead of at the interval. */
  wake(): void {
    this.wakeUp?.();
  }

  async loop(signal: AbortSignal): Promise<void> {
    const { options, store, clock } = this.context;
    const { logger } = options;
    const { poller, sender, verification } = this.parts;
    while (!signal.aborted) {
      let response: HeartbeatResponse | undefined;
      try {
        const utilization = await options.gpuUtilization?.().catch(() => undefined);
        const queuePoll = poller.health();
        const verifying = verification.heartbeatFields();
        const answer = await this.oneAtATime(async () =>
          this.signedOff
            ? undefined
            : options.api.heartbeat({
                runningAssignments: store.active().filter((record) => record.phase !== 'accepting').map((record) => record.assignmentId),
                ...(this.context.isDraining() ? { draining: true } : {}),
                ...(utilization && utilization.size > 0 ? { gpuUtilization: options.state.gpus.map((gpu) => utilization.get(gpu.index) ?? 0) } : {}),
                ...(queuePoll ? { queuePoll } : {}),
                ...verifying.fields,
              }),
        );
        // Signed off: a heartbeat now would bring the host back online.
        if (!answer) break;
        response = answer;
        verifying.sent();
        if (!this.ok) {
          logger.info('API reachable again: resending the outbox now', { pending: this.context.outbox.size });
          sender.retryNow();
        }
        this.ok = true;
        this.answered += 1;
        this.refusals = 0;
        this.intervalSeconds = response.heartbeatIntervalSeconds || this.intervalSeconds;
        if (!this.signedOff) this.record({
          at: isoTime(clock()), ok: true, status: response.status, statusReason: response.statusReason, listed: response.listed,
          ...(response.acceptsWork !== undefined ? { acceptsWork: response.acceptsWork } : {}), ...(queuePoll ? { queuePoll } : {}),
          ...(response.maintenance && response.maintenance.length > 0 ? { maintenance: response.maintenance } : {}),
        });
        await this.reconcileWith(response.assignments);
        if (response.verification) verification.maybeStart(response.verification);
      } catch (error) {
        if (signal.aborted) break;
        if (this.ok || !(error instanceof ApiError && error.unauthorized)) {
          (error instanceof ApiError && error.unauthorized ? logger.error : logger.warn)(
            error instanceof ApiError && error.unauthorized
              ? 'heartbeat refused: the agent token is not valid (was the host deregistered?); run gpuhive-agent doctor'
              : 'heartbeat failed; jobs keep running and reports wait in the outbox',
            { error: describeError(error) },
          );
        }
        this.ok = false;
        const queuePoll = poller.health();
        this.record({ at: isoTime(clock()), ok: false, error: describeError(error), ...(queuePoll ? { queuePoll } : {}) });
        if (error instanceof ApiError && error.unauthorized && this.refused(error)) break;
      }
      // After a failure, try again sooner (but at most at the interval) to notice the API's return.
      const waitMs = this.ok ? this.intervalSeconds * 1000 : Math.min(this.intervalSeconds * 1000, 2000);
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        void this.context.sleep(waitMs, signal).then(resolve);
      });
      this.wakeUp = undefined;
    }
  }

  /**
   * Signs off between two heartbeats: once the one in flight is answered, and with none sent
   * after it (the platform would take a heartbeat it receives after the sign-off for the agent's
   * return and bring the host back online). `status` then reads the sign-off's answer.
   */
  signOff(signOff: () => Promise<{ readonly status: string; readonly statusReason: string | null }>): Promise<{ readonly status: string }> {
    return this.oneAtATime(async () => {
      const result = await signOff();
      this.signedOff = true;
      this.record({ at: isoTime(this.context.clock()), ok: true, status: result.status, statusReason: result.statusReason, listed: false, acceptsWork: false });
      return result;
    });
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * A refused token never heals by retrying: stop at once when no heartbeat was ever answered
   * in this run (a mistyped or garbage token), or after a few refusals in a row (deregistered).
   */
  private refused(error: ApiError): boolean {
    this.refusals += 1;
    if (this.answered > 0 && this.refusals < REFUSALS_BEFORE_STOP) return false;
    this.parts.onRefused(describeError(error));
    return true;
  }

  private record(heartbeat: LastHeartbeat): void {
    try {
      writeJsonFile(this.context.options.paths.heartbeat, heartbeat);
    } catch (error) {
      this.context.options.logger.warn('cannot write the last heartbeat', { error: describeError(error) });
    }
  }

  /** Stops what the platform no longer lists; fetches and accepts what it lists and the queue did not bring. */
  private async reconcileWith(listed: readonly string[]): Promise<void> {
    const { options, store, clock } = this.context;
    const { jobs } = this.parts;
    const plan = reconcile({
      listed,
      known: store.all().map((record) => ({ assignmentId: record.assignmentId, active: record.phase === 'running' || record.phase === 'starting', receivedAt: record.receivedAt })),
      firstListedAt: this.firstListedAt,
      now: clock().getTime(),
      graceMs: options.reconcileGraceMs ?? 120_000,
    });
    for (const assignmentId of plan.stop) {
      options.logger.warn('the platform no longer lists this assignment: stopping it', { assignmentId });
      jobs.cancel(assignmentId, 'the platform no longer lists this assignment');
    }
    if (this.context.isDraining()) return;
    for (const assignmentId of plan.fetch) {
      try {
        const view = await options.api.getAssignment(assignmentId);
        this.firstListedAt.delete(assignmentId);
        if (view.live && view.message) {
          options.logger.info('reconcile: accepting a live assignment the queue did not bring', { assignmentId });
          jobs.accept(view.message);
        }
      } catch (error) {
        if (!isRetryable(error)) this.firstListedAt.delete(assignmentId);
        options.logger.warn('reconcile: cannot fetch assignment', { assignmentId, error: describeError(error) });
      }
    }
  }
}
