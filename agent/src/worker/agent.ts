import { existsSync, rmSync, writeFileSync } from 'node:fs';
import type { AgentEvent, LogChunk, UsageRecord } from '#agent/api/types.ts';
import { sleep as defaultSleep } from '#agent/core/backoff.ts';
import { systemClock } from '#agent/core/clock.ts';
import { describeError } from '#agent/core/errors.ts';
import { PRIVATE_FILE } from '#agent/core/files.ts';
import { Outbox } from '#agent/core/outbox.ts';
import { OutboxSender } from '#agent/core/outbox-sender.ts';
import { AssignmentStore } from './assignment-store.ts';
import type { AgentOptions, WorkerContext } from './context.ts';
import { Heartbeat } from './heartbeat.ts';
import { IdleVerification } from './idle-verification.ts';
import { JobSupervisor } from './job-supervisor.ts';
import { handleMessage } from './messages.ts';
import { QueuePoller } from './queue-poller.ts';
import { recoverAssignments } from './recovery.ts';
import { UsageReporter } from './usage-reporter.ts';

export type { AgentOptions } from './context.ts';

/**
 * The agent's loop (after buildkite/agent's worker): heartbeat at the server's interval and
 * reconcile (heartbeat.ts); long-poll the host's queue (queue-poller.ts, messages.ts); accept
 * through the outbox and start only after the API answered 2xx, run, stop and report
 * (job-supervisor.ts); meter (usage-reporter.ts); recover after a restart (recovery.ts);
 * verify while idle (idle-verification.ts). The explicit state is `idle` or `busy`;
 * `draining` and `stopping` are one-way. Everything the API must hear goes through the
 * on-disk outbox. This file wires the parts and owns start, drain, sign-off and shutdown.
 */
export class Agent {
  private readonly context: WorkerContext;
  private readonly outbox: Outbox;
  private readonly sender: OutboxSender;
  private readonly store: AssignmentStore;
  private readonly poller: QueuePoller;
  private readonly usage: UsageReporter;
  private readonly jobs: JobSupervisor;
  private readonly verification: IdleVerification;
  private readonly heartbeat: Heartbeat;
  private readonly stopping = new AbortController();
  /** The outbox keeps sending after `stopping` aborts, until shutdown has flushed it. */
  private readonly senderStop = new AbortController();
  private draining = false;
  /** Set when the API refused the agent token: `run` stops and the CLI prints the fix. */
  refusedReason: string | undefined;
  private wakeDrain: (() => void) | undefined;

  constructor(private readonly options: AgentOptions) {
    const clock = options.clock ?? systemClock;
    this.outbox = Outbox.open(options.paths.outbox, { now: clock });
    if (this.outbox.skippedLines > 0) options.logger.warn('outbox had unreadable lines (a write torn by a crash); skipped', { lines: this.outbox.skippedLines });
    this.store = new AssignmentStore(options.paths.assignments, clock);
    this.context = {
      options,
      clock,
      sleep: options.sleep ?? defaultSleep,
      outbox: this.outbox,
      store: this.store,
      stopping: this.stopping.signal,
      isDraining: () => this.draining,
      wakeDrain: () => this.wakeDrain?.(),
      wakeHeartbeat: () => this.heartbeat.wake(),
    };
    this.usage = new UsageReporter(this.context);
    this.jobs = new JobSupervisor(this.context, this.usage);
    this.verification = new IdleVerification(this.context);
    this.sender = new OutboxSender(this.outbox, {
      sendEvent: (assignmentId, event) => options.api.sendEvent(assignmentId, event as AgentEvent),
      sendUsage: (records) => options.api.sendUsage(records as UsageRecord[]),
      sendLogs: (assignmentId, chunks) => options.api.sendLogs(assignmentId, chunks as LogChunk[]),
    }, {
      logger: options.logger,
      ...(options.outboxBackoff ? { backoff: options.outboxBackoff } : {}),
      onSettled: (entry, outcome, error) => this.jobs.onSettled(entry, outcome, error),
    });
    // A poll that starts or stops failing is told to the platform at once, not a heartbeat later.
    this.poller = new QueuePoller(options.api, { logger: options.logger, now: () => clock().getTime(), ...options.poller, onHealthChange: () => this.heartbeat.wake() });
    this.heartbeat = new Heartbeat(this.context, {
      poller: this.poller, sender: this.sender, jobs: this.jobs, verification: this.verification,
      onRefused: (reason) => {
        this.refusedReason = reason;
        this.stopping.abort();
        this.wakeDrain?.();
      },
    });
  }

  get state(): 'idle' | 'busy' {
    return this.store.active().length > 0 ? 'busy' : 'idle';
  }

  /** Stop taking work; finish what runs; then sign off. `run` then resolves 'drained'. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.options.logger.info('draining: no new work; the running jobs finish, then the host signs off', { running: this.store.active().length });
    this.heartbeat.wake();
    this.wakeDrain?.();
  }

  /** `gpuhive-agent verify` (SIGUSR1): ask the platform for a verification run at the next heartbeat, now. */
  requestVerification(): void {
    this.verification.request();
  }

  /** Graceful stop (SIGTERM): no new work, process jobs stopped, Docker jobs left running, outbox flushed. */
  stop(): void {
    this.verification.abort();
    this.stopping.abort();
    this.wakeDrain?.();
  }

  async run(): Promise<'stopped' | 'drained' | 'refused'> {
    const { logger, paths } = this.options;
    writeFileSync(paths.pid, `${process.pid}\n`, { mode: PRIVATE_FILE });
    const signal = this.stopping.signal;
    this.sender.start(this.senderStop.signal);
    await recoverAssignments(this.context, this.jobs);
    logger.info('agent running', { hostId: this.options.state.hostId, api: this.options.api.baseUrl, state: this.state, pendingOutbox: this.outbox.size });

    const heartbeats = this.heartbeat.loop(signal);
    const usage = this.usage.loop(signal);
    const polling = this.poller.run(signal, (message) => handleMessage(this.context, this.jobs, this.verification, message), () => !this.draining);
    let outcome: 'stopped' | 'drained' | 'refused' = 'stopped';
    try {
      outcome = await this.untilDrainedOrStopped(signal);
    } finally {
      this.stopping.abort();
      await polling.catch(() => undefined);
      await this.shutdown();
      await Promise.all([heartbeats, usage]);
      this.poller.close();
      this.outbox.close();
      if (existsSync(paths.pid)) rmSync(paths.pid, { force: true });
    }
    return this.refusedReason ? 'refused' : outcome;
  }

  private async untilDrainedOrStopped(signal: AbortSignal): Promise<'stopped' | 'drained'> {
    for (;;) {
      if (signal.aborted) return 'stopped';
      if (this.draining && this.store.active().length === 0) {
        if (await this.signOff(signal)) return 'drained';
      }
      await new Promise<void>((resolve) => {
        this.wakeDrain = resolve;
        const timer = setTimeout(resolve, 1000);
        timer.unref();
      });
    }
  }

  /** Sign-off needs every event and usage record delivered and nothing live on the platform. */
  private async signOff(signal: AbortSignal): Promise<boolean> {
    if (!(await this.sender.flush(5000, ['event', 'usage']))) return false;
    this.options.logger.info('drained: signing off once the heartbeat in flight is answered');
    try {
      const result = await this.heartbeat.signOff(() => this.options.api.signOff());
      this.options.logger.info('signed off: the host is offline', { status: result.status });
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      this.options.logger.warn('sign-off not possible yet; retrying', { error: describeError(error) });
      await this.context.sleep(2000, signal);
      return false;
    }
  }

  private async shutdown(): Promise<void> {
    await this.verification.stop();
    await this.jobs.shutdown();
    const flushed = await this.sender.flush(this.options.flushTimeoutMs ?? 10_000);
    if (!flushed) this.options.logger.warn('stopping with reports still in the outbox; they are sent when the agent runs again', { pending: this.outbox.size });
    this.senderStop.abort();
    await this.sender.stopped();
  }
}
