import { describeError } from '#agent/core/errors.ts';
import type { Challenge } from '#agent/verify/backend.ts';
import type { WorkerContext } from './context.ts';

/**
 * The platform's verification runs (docs/verification.md), on an idle agent only: a challenge
 * the heartbeat hands out starts once per run; an assignment arriving aborts it at once, and
 * the next heartbeat says so. `gpuhive-agent verify` asks for a run at the next heartbeat.
 */
export class IdleVerification {
  /** The run computing now, if any. */
  private verifying: { readonly runId: string; readonly controller: AbortController; readonly done: Promise<void> } | undefined;
  /** Runs started by this process: the heartbeat repeats a run until it is committed. */
  private readonly startedRuns = new Set<string>();
  private abortedRunId: string | undefined;
  private requested = false;

  constructor(private readonly context: WorkerContext) {}

  /** `gpuhive-agent verify` (SIGUSR1): ask the platform for a run at the next heartbeat, sent now. */
  request(): void {
    this.requested = true;
    this.context.wakeHeartbeat();
  }

  /** What the next heartbeat tells the platform; `sent` with it once it was answered. */
  heartbeatFields(): { readonly fields: { requestVerification?: true; abortedVerification?: string }; sent(): void } {
    const requested = this.requested;
    const abortedRunId = this.abortedRunId;
    return {
      fields: { ...(requested ? { requestVerification: true as const } : {}), ...(abortedRunId ? { abortedVerification: abortedRunId } : {}) },
      sent: () => {
        if (requested) this.requested = false;
        if (abortedRunId === this.abortedRunId) this.abortedRunId = undefined;
      },
    };
  }

  /** Starts a challenge the heartbeat handed out, only on an idle agent, once per run. */
  maybeStart(challenge: Challenge): void {
    const { options, store, stopping } = this.context;
    const verifier = options.verifier;
    if (!verifier || this.verifying || this.startedRuns.has(challenge.runId)) return;
    if (this.context.isDraining() || stopping.aborted || store.active().length > 0) return;
    this.startedRuns.add(challenge.runId);
    const controller = new AbortController();
    // The runner loads with the first run (hours apart, after registration).
    const done = import('#agent/verify/run-verification.ts')
      .then(({ runVerification, appendVerificationRecord }) => runVerification(challenge, { api: options.api, backend: verifier.backend, gpus: verifier.gpus, signal: controller.signal, logger: options.logger })
        .then((record) => {
          if (record.outcome === 'aborted') {
            // Told in the next heartbeat (sent at once): the run ends without counting against the host.
            this.abortedRunId = challenge.runId;
            this.context.wakeHeartbeat();
          }
          try {
            appendVerificationRecord(verifier.recordsPath, record);
          } catch (error) {
            options.logger.warn('cannot record the verification run', { error: describeError(error) });
          }
        }))
      .catch((error: unknown) => options.logger.warn('verification could not run', { runId: challenge.runId, error: describeError(error) }))
      .finally(() => {
        if (this.verifying?.runId === challenge.runId) this.verifying = undefined;
      });
    this.verifying = { runId: challenge.runId, controller, done };
  }

  /** A renter's work never waits for verification: the run in progress gives way at once. */
  abortForAssignment(): void {
    if (!this.verifying || this.verifying.controller.signal.aborted) return;
    this.context.options.logger.info('an assignment arrived: aborting the verification run', { runId: this.verifying.runId });
    this.verifying.controller.abort();
  }

  /** The agent stops: the run in progress is aborted. */
  abort(): void {
    this.verifying?.controller.abort();
  }

  /** Shutdown: aborts the run in progress and waits until it has recorded its end. */
  async stop(): Promise<void> {
    this.verifying?.controller.abort();
    await this.verifying?.done;
  }
}
