import { join } from 'node:path';
import type { AgentEvent, AssignmentMessage, CancelMessage, LogChunk } from '#agent/api/types.ts';
import { ApiError, describeError } from '#agent/core/errors.ts';
import { setLongTimeout } from '#agent/core/long-timeout.ts';
import type { OutboxEntry } from '#agent/core/outbox.ts';
import type { Outcome } from '#agent/core/outbox-sender.ts';
import { jobEnvironment } from '#agent/runner/job-env.ts';
import { JobLogs, tailOfFile } from '#agent/runner/job-logs.ts';
import { StartError, type JobExit, type RunningJob } from '#agent/runner/types.ts';
import type { AssignmentRecord } from './assignment-store.ts';
import { gpusInUse, waitForGpus } from './gpu-handover.ts';
import { DEFAULT_STOP_GRACE_MS, type WorkerContext } from './context.ts';
import { finishAssignment, LOG_TAIL_LINES, putEvent, withTail } from './job-events.ts';
import type { UsageReporter } from './usage-reporter.ts';
import { isoTime } from '#agent/core/clock.ts';

interface Live {
  readonly logs: JobLogs;
  job?: RunningJob;
  shipped: number;
}

/**
 * Each assignment from its arrival to its last report (after buildkite/agent's job runner):
 * accept through the outbox, start only after the API answered 2xx, follow the job and its
 * ports, stop it on a cancel or its max duration (never later than the platform bills), and
 * report how it ended. At shutdown, process jobs stop and Docker jobs are left running.
 */
export class JobSupervisor {
  private readonly live = new Map<string, Live>();
  /** Docker jobs the agent let go of at shutdown: their containers keep running. */
  private readonly detached = new Set<string>();
  /** Per assignment, when the platform stops billing it (a cancel's deadline), epoch ms. */
  private readonly killBy = new Map<string, number>();
  /** Each followed job's watcher, which settles once its end is reported. */
  private readonly jobsDone = new Map<string, Promise<void>>();

  constructor(
    private readonly context: WorkerContext,
    private readonly usage: UsageReporter,
  ) {}

  private get stopGraceMs(): number {
    return this.context.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  }

  /** A new assignment (from the queue or reconciling): recorded, and `accepted` put in the outbox. */
  accept(message: AssignmentMessage): void {
    const { logger } = this.context.options;
    if (this.context.store.get(message.assignmentId)) return; // a resend, or already handled
    const runtime = message.image ? 'docker' : 'process';
    const record: AssignmentRecord = {
      assignmentId: message.assignmentId, message, runtime, phase: 'accepting', receivedAt: isoTime(this.context.clock()), usageSeq: 0, logSeq: 0,
    };
    logger.info('assignment received', { assignmentId: message.assignmentId, jobId: message.jobId, runtime, gpus: message.gpuIndices.join(','), rank: message.rank, worldSize: message.worldSize });
    this.context.store.put(record);
    putEvent(this.context, record, { type: 'accepted' });
  }

  /** A cancel, or the platform no longer lists the assignment: stop it (or never run it). */
  cancel(assignmentId: string, reason: string, message?: Pick<CancelMessage, 'jobId' | 'deadline' | 'graceSeconds'>): void {
    const { store, clock } = this.context;
    this.noteKillBy(assignmentId, message);
    const record = store.get(assignmentId);
    if (!record) {
      // A cancel that overtook its assignment: remember it, so the assignment is never run.
      if (message) {
        store.put({
          assignmentId, message: { type: 'assignment', assignmentId, jobId: message.jobId, env: {}, gpuIndices: [], maxDurationSeconds: 0, rank: 0, worldSize: 1, peers: [], command: ['true'] },
          runtime: 'process', phase: 'ended', receivedAt: isoTime(clock()), endedAt: isoTime(clock()), usageSeq: 0, logSeq: 0, outcome: 'withdrawn', stopReason: reason,
        });
      }
      return;
    }
    if (record.phase === 'ended' || record.stopReason) return;
    this.context.options.logger.info('stopping assignment', { assignmentId, reason });
    store.update(assignmentId, { stopReason: reason });
    if (record.phase === 'running' || record.phase === 'starting') void this.stop(record, reason);
    // accepting: decided when the API answers `accepted`.
  }

  /** The outbox's answer to an `accepted`: start the job, or drop the assignment the platform withdrew. */
  onSettled(entry: OutboxEntry, outcome: Outcome, error?: unknown): void {
    if (entry.kind !== 'event') return;
    const event = entry.payload as AgentEvent;
    const record = this.context.store.get(entry.assignmentId);
    if (event.type !== 'accepted' || !record || record.phase !== 'accepting') return;
    if (outcome === 'delivered') {
      if (record.stopReason) {
        finishAssignment(this.context, record, { type: 'stopped', message: record.stopReason }, 'stopped');
        return;
      }
      this.context.store.update(record.assignmentId, { phase: 'starting' });
      // A preempted job may still hold these GPUs until its deadline (docs/interruptible.md).
      void waitForGpus(record.message.gpuIndices, () => gpusInUse(this.context.store.all(), record.assignmentId), this.context.sleep, undefined, this.context.stopping).then(() => this.start(record));
      return;
    }
    this.context.options.logger.info('assignment withdrawn: dropped', { assignmentId: record.assignmentId, reason: error instanceof ApiError ? error.code : outcome });
    this.context.store.update(record.assignmentId, { phase: 'ended', outcome: 'withdrawn', endedAt: isoTime(this.context.clock()) });
    this.context.wakeDrain();
  }

  jobDir(assignmentId: string): string {
    return join(this.context.options.paths.jobs, assignmentId.replace(/[^a-zA-Z0-9_.-]/g, '-'));
  }

  /** The job's last output lines, from its log file. */
  tail(assignmentId: string): string {
    return tailOfFile(join(this.jobDir(assignmentId), 'output.log'), LOG_TAIL_LINES);
  }

  /** The assignment's log files, shipping chunks through the outbox up to the limit. */
  logsOf(record: AssignmentRecord): JobLogs {
    const existing = this.live.get(record.assignmentId);
    if (existing) return existing.logs;
    const max = this.context.options.maxShippedLogChars ?? 10 * 1024 * 1024;
    const live: Live = {
      shipped: 0,
      logs: new JobLogs(this.jobDir(record.assignmentId), {
        redact: (record.message.secretEnv ?? []).map((name) => record.message.env[name] ?? '').filter(Boolean),
        onChunk: (stream, data, at) => {
          record.lastLogAt = isoTime(at);
          if (live.shipped >= max) return;
          live.shipped += data.length;
          const seq = record.logSeq;
          record.logSeq += 1;
          this.context.outbox.put([{ id: `${record.assignmentId}/logs/${seq}`, kind: 'logs', assignmentId: record.assignmentId, payload: { seq, stream, at: isoTime(at), data } satisfies LogChunk }]);
        },
      }),
    };
    this.live.set(record.assignmentId, live);
    return live.logs;
  }

  /** Forgets a job that is not running any more (recovery found it gone). */
  release(record: AssignmentRecord): void {
    this.live.get(record.assignmentId)?.logs.close();
    this.live.delete(record.assignmentId);
  }

  private async start(record: AssignmentRecord): Promise<void> {
    const { logger, runners } = this.context.options;
    const runner = record.runtime === 'docker' ? runners.docker : runners.process;
    const logs = this.logsOf(record);
    if (!runner) {
      const why = record.runtime === 'docker'
        ? 'this host cannot run image jobs: Docker with the NVIDIA runtime is not available'
        : 'this host does not run command jobs as processes (the provider did not pass --allow-process-jobs)';
      finishAssignment(this.context, record, { type: 'failed', message: why }, 'failed');
      return;
    }
    let job: RunningJob;
    try {
      job = await runner.start({
        message: record.message,
        env: jobEnvironment(record.message),
        workDir: join(this.jobDir(record.assignmentId), 'work'),
        logs,
        onStarted: () => {
          const now = isoTime(this.context.clock());
          this.context.store.update(record.assignmentId, { phase: record.stopReason ? 'stopping' : 'running', startedAt: now, usageFrom: now });
          putEvent(this.context, record, { type: 'started' });
          logger.info('job started', { assignmentId: record.assignmentId, runtime: record.runtime });
        },
      });
    } catch (error) {
      const message = error instanceof StartError ? error.message : `could not start: ${describeError(error)}`;
      logger.warn('job could not start', { assignmentId: record.assignmentId, error: message });
      logs.flush();
      finishAssignment(this.context, record, { type: 'failed', message: withTail(message, logs.tail(LOG_TAIL_LINES)) }, 'failed');
      return;
    }
    this.context.store.update(record.assignmentId, { ...(job.pid !== undefined ? { pid: job.pid } : {}), ...(job.containerName ? { containerName: job.containerName } : {}) });
    this.follow(record, logs, job);
    if (record.stopReason) void this.stop(record, record.stopReason);
  }

  /** Watches a started (or re-attached) job to its end; enforces its max duration. */
  follow(record: AssignmentRecord, logs: JobLogs, job: RunningJob): void {
    const live = this.live.get(record.assignmentId);
    if (live) live.job = job;
    const maxMs = record.message.maxDurationSeconds * 1000 - (this.context.clock().getTime() - Date.parse(record.startedAt ?? record.receivedAt));
    const cancelTimer = setLongTimeout(() => void this.stop(record, `max duration of ${record.message.maxDurationSeconds} s reached`), maxMs);
    const done = job.exited.then(
      (exit) => this.onExit(record, exit),
      (error: unknown) => this.onExit(record, { exitCode: 255, signal: describeError(error) }),
    ).finally(() => {
      cancelTimer();
      this.jobsDone.delete(record.assignmentId);
    });
    this.jobsDone.set(record.assignmentId, done);
    this.watchEndpoints(record, done);
    this.watchHealth(record, done);
  }

  /** A service replica: the agent runs its health check and reports changes of state (docs/services.md). */
  private watchHealth(record: AssignmentRecord, done: Promise<unknown>): void {
    const check = record.message.healthCheck;
    if (!check) return;
    const startedAt = Date.parse(record.startedAt ?? record.receivedAt);
    const warn = (error: unknown) => this.context.options.logger.warn('health check failed', { assignmentId: record.assignmentId, error: describeError(error) });
    // Loaded with the first service replica: most agents never run one.
    void import('#agent/runner/health-check.ts').then(({ startHealthChecks }) => startHealthChecks(check, startedAt, done,
      (health) => putEvent(this.context, record, { type: 'health', health }, { variant: `${health.state}-${this.context.clock().getTime()}` }), warn)).catch(warn);
  }

  /**
   * Jobs with ports: connects to each host port until it answers, and tells the platform with
   * a repeated `started` carrying the ports ready so far (the renter's `endpoints[].ready`).
   */
  private watchEndpoints(record: AssignmentRecord, done: Promise<unknown>): void {
    const ports = (record.message.ports ?? []).map((port) => port.hostPort);
    if (ports.length === 0) return;
    let ended = false;
    void done.finally(() => { ended = true; });
    const sleep = (ms: number) => new Promise<boolean>((resolve) => { const timer = setTimeout(() => resolve(!ended), ms); timer.unref(); });
    // Loaded with the first job that declares ports: most agents never run one.
    void import('#agent/runner/port-probe.ts').then(({ watchPorts }) => watchPorts(ports, (readyPorts) => {
      if (!ended) putEvent(this.context, record, { type: 'started', readyPorts }, { variant: `ready-${readyPorts.join('-')}` });
    }, { sleep })).catch((error: unknown) => this.context.options.logger.warn('port check failed', { assignmentId: record.assignmentId, error: describeError(error) }));
  }

  async stop(record: AssignmentRecord, reason: string): Promise<void> {
    const live = this.live.get(record.assignmentId);
    if (!record.stopReason) this.context.store.update(record.assignmentId, { stopReason: reason });
    if (record.phase === 'running') this.context.store.update(record.assignmentId, { phase: 'stopping' });
    if (!live?.job) return; // still starting: stopped as soon as it started
    this.context.options.logger.info('stopping job', { assignmentId: record.assignmentId, reason });
    await live.job.stop(this.graceFor(record));
  }

  /**
   * The platform bills nothing past a stop's deadline (issue 13): remember it, by whichever
   * is earlier of its time and its grace from now, so a clock that runs ahead or a cancel
   * that came late only shortens the grace.
   */
  private noteKillBy(assignmentId: string, message?: Pick<CancelMessage, 'deadline' | 'graceSeconds'>): void {
    const now = this.context.clock().getTime();
    const byGrace = message?.graceSeconds !== undefined ? now + message.graceSeconds * 1000 : Number.POSITIVE_INFINITY;
    const byDeadline = message?.deadline ? Date.parse(message.deadline) : Number.POSITIVE_INFINITY;
    const by = Math.min(byGrace, Number.isNaN(byDeadline) ? Number.POSITIVE_INFINITY : byDeadline);
    if (Number.isFinite(by)) this.killBy.set(assignmentId, Math.min(by, this.killBy.get(assignmentId) ?? by));
  }

  /** SIGTERM now, SIGKILL after the agent's own grace, never after the platform's grace or the stop's deadline. */
  private graceFor(record: AssignmentRecord): number {
    const platform = record.message.stopGraceSeconds !== undefined ? record.message.stopGraceSeconds * 1000 : Number.POSITIVE_INFINITY;
    const killBy = this.killBy.get(record.assignmentId);
    const left = killBy === undefined ? Number.POSITIVE_INFINITY : Math.max(0, killBy - this.context.clock().getTime());
    return Math.min(this.stopGraceMs, platform, left);
  }

  private onExit(record: AssignmentRecord, exit: JobExit): void {
    const live = this.live.get(record.assignmentId);
    if (this.detached.has(record.assignmentId)) return; // the agent let go of it (Docker across a restart)
    if (record.phase === 'ended') return;
    live?.logs.close();
    this.live.delete(record.assignmentId);
    this.usage.report(record, this.context.clock());
    const tail = this.tail(record.assignmentId);
    this.context.options.logger.info('job ended', { assignmentId: record.assignmentId, exitCode: exit.exitCode, signal: exit.signal, stopReason: record.stopReason });
    if (record.stopReason && this.context.stopping.aborted && !record.stopReason.startsWith('cancel')) {
      finishAssignment(this.context, record, { type: 'failed', exitCode: exit.exitCode, message: withTail(record.stopReason, tail) }, 'failed', exit.exitCode);
    } else if (record.stopReason) {
      finishAssignment(this.context, record, { type: 'stopped', exitCode: exit.exitCode, message: record.stopReason }, 'stopped', exit.exitCode);
    } else {
      const code = Math.max(-255, Math.min(255, exit.exitCode));
      finishAssignment(this.context, record, { type: 'exited', exitCode: code, ...(code !== 0 ? { message: withTail(`exited with code ${code}${exit.signal ? ` (${exit.signal})` : ''}`, tail) } : {}) }, 'exited', code);
    }
  }

  /** Agent shutdown: Docker jobs are left running for the next agent; process jobs stop and are reported. */
  async shutdown(): Promise<void> {
    const { logger } = this.context.options;
    for (const [assignmentId, live] of [...this.live.entries()]) {
      const record = this.context.store.get(assignmentId);
      if (!record || !live.job) continue;
      if (record.runtime === 'docker') {
        logger.info('leaving the container running; the next agent re-attaches', { assignmentId, container: live.job.containerName });
        this.detached.add(assignmentId);
        this.usage.report(record, this.context.clock());
        live.logs.close();
        live.job.detach();
        continue;
      }
      if (!record.stopReason) this.context.store.update(assignmentId, { stopReason: 'the agent was stopped; process jobs end with it' });
      await live.job.stop(this.stopGraceMs).catch(() => undefined);
    }
    // Each watcher settles (it catches the job's own failure); bounded in case a runtime hangs.
    const reporting = [...this.jobsDone].filter(([assignmentId]) => !this.detached.has(assignmentId)).map(([, done]) => done);
    await Promise.race([Promise.all(reporting), this.context.sleep(this.stopGraceMs)]);
  }
}
