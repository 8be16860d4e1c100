import { join } from 'node:path';
import { rmSync, writeFileSync, existsSync } from 'node:fs';
import type { ApiClient } from '#agent/api/client.ts';
import type { AgentEvent, AssignmentMessage, CancelMessage, HeartbeatResponse, HostMessage, LogChunk, UsageRecord } from '#agent/api/types.ts';
import { sleep as defaultSleep, type BackoffPolicy, type Sleep } from '#agent/core/backoff.ts';
import { ApiError, describeError, isRetryable } from '#agent/core/errors.ts';
import { writeJsonFile, PRIVATE_FILE } from '#agent/core/files.ts';
import type { Logger } from '#agent/core/logger.ts';
import { Outbox, type OutboxEntry } from '#agent/core/outbox.ts';
import { OutboxSender, type Outcome } from '#agent/core/outbox-sender.ts';
import type { AgentState, LastHeartbeat, StatePaths } from '#agent/config/state.ts';
import { DockerRunner } from '#agent/runner/docker-runner.ts';
import { jobEnvironment } from '#agent/runner/job-env.ts';
import { JobLogs, tailOfFile } from '#agent/runner/job-logs.ts';
import { killLeftover } from '#agent/runner/process-runner.ts';
import { StartError, type JobExit, type JobRunner, type RunningJob } from '#agent/runner/types.ts';
import { usageDue, usageRecord } from '#agent/usage/meter.ts';
import type { Challenge, GpuIdentity, VerifierBackend } from '#agent/verify/backend.ts';
import { AssignmentStore, type AssignmentRecord } from './assignment-store.ts';
import { QueuePoller, type QueuePollerOptions } from './queue-poller.ts';
import { reconcile } from './reconcile.ts';

export interface AgentOptions {
  readonly state: AgentState;
  readonly paths: StatePaths;
  readonly api: ApiClient;
  readonly logger: Logger;
  readonly runners: { readonly process?: JobRunner; readonly docker?: DockerRunner };
  /** Usage is reported this often per running assignment (default 60 s) and at the end. */
  readonly usageIntervalMs?: number;
  /** Between SIGTERM and SIGKILL when a job is stopped (default 10 s). */
  readonly stopGraceMs?: number;
  /** Reconciling ignores assignments younger than this (default 2 minutes, API.md). */
  readonly reconcileGraceMs?: number;
  /** How long shutdown waits for the outbox to drain (default 10 s). */
  readonly flushTimeoutMs?: number;
  readonly outboxBackoff?: BackoffPolicy;
  readonly poller?: Partial<QueuePollerOptions>;
  readonly gpuUtilization?: () => Promise<Map<number, number>>;
  /** Log chunks of one assignment beyond this many characters are kept on disk only (default 10 Mi). */
  readonly maxShippedLogChars?: number;
  readonly sleep?: Sleep;
  /** Runs the platform's verification challenges while idle; absent: none are run (they end `missed`). */
  readonly verifier?: { readonly backend: VerifierBackend; readonly gpus: readonly GpuIdentity[]; readonly recordsPath: string };
}

interface Live {
  readonly logs: JobLogs;
  job?: RunningJob;
  shipped: number;
}

const LOG_TAIL_LINES = 20;
/** Refused heartbeats in a row, after earlier ones were answered, before the agent stops. */
const REFUSALS_BEFORE_STOP = 3;
const MESSAGE_LIMIT = 2000;

/**
 * The API refuses control characters other than tab and newline in an event's message (a
 * job's colours and progress bars would otherwise reach the renter's terminal): each becomes
 * U+FFFD, one character for one, so the message stays within its limit.
 */
const inertMessage = (text: string): string => text.replace(/(?![\t\n])\p{Cc}/gu, '\uFFFD');

/** `failed` and non-zero `exited` carry the job's last lines, within the API's 2,000 characters. */
const withTail = (text: string, tail: string): string => {
  const full = tail ? `${text}\n--- last lines ---\n${tail}` : text;
  return full.length <= MESSAGE_LIMIT ? full : `${text}\n--- last lines ---\n…${tail.slice(-(MESSAGE_LIMIT - text.length - 40))}`;
};

/**
 * The agent's loop (after buildkite/agent's worker): heartbeat at the server's interval and
 * reconcile; long-poll the host's queue; accept through the outbox and start only after the
 * API answered 2xx; run; meter; report. The explicit state is `idle` or `busy`; `draining`
 * and `stopping` are one-way. Everything the API must hear goes through the on-disk outbox.
 */
export class Agent {
  private readonly outbox: Outbox;
  private readonly sender: OutboxSender;
  private readonly store: AssignmentStore;
  private readonly poller: QueuePoller;
  private readonly live = new Map<string, Live>();
  private readonly firstListedAt = new Map<string, number>();
  private readonly sleep: Sleep;
  private readonly stopping = new AbortController();
  /** The outbox keeps sending after `stopping` aborts, until shutdown has flushed it. */
  private readonly senderStop = new AbortController();
  /** Docker jobs the agent let go of at shutdown: their containers keep running. */
  private readonly detached = new Set<string>();
  /** Per assignment, when the platform stops billing it (a cancel's deadline), epoch ms. */
  private readonly killBy = new Map<string, number>();
  private draining = false;
  private heartbeatIntervalSeconds: number;
  private heartbeatOk = true;
  /** Set when the API refused the agent token: `run` stops and the CLI prints the fix. */
  refusedReason: string | undefined;
  private wakeHeartbeat: (() => void) | undefined;
  private heartbeatsAnswered = 0;
  private signedOff = false;
  private refusals = 0;
  /** Each followed job's watcher, which settles once its end is reported. */
  private readonly jobsDone = new Map<string, Promise<void>>();
  private wakeDrain: (() => void) | undefined;
  /** The verification run computing now, if any: aborted the moment an assignment arrives. */
  private verifying: { readonly runId: string; readonly controller: AbortController; readonly done: Promise<void> } | undefined;
  /** Runs started by this process: the heartbeat repeats a run until it is committed. */
  private readonly startedRuns = new Set<string>();
  private abortedRunId: string | undefined;
  private verificationRequested = false;

  constructor(private readonly options: AgentOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.heartbeatIntervalSeconds = options.state.heartbeatIntervalSeconds;
    this.outbox = Outbox.open(options.paths.outbox);
    if (this.outbox.skippedLines > 0) options.logger.warn('outbox had unreadable lines (a write torn by a crash); skipped', { lines: this.outbox.skippedLines });
    this.store = new AssignmentStore(options.paths.assignments);
    this.sender = new OutboxSender(this.outbox, {
      sendEvent: (assignmentId, event) => options.api.sendEvent(assignmentId, event as AgentEvent),
      sendUsage: (records) => options.api.sendUsage(records as UsageRecord[]),
      sendLogs: (assignmentId, chunks) => options.api.sendLogs(assignmentId, chunks as LogChunk[]),
    }, {
      logger: options.logger,
      ...(options.outboxBackoff ? { backoff: options.outboxBackoff } : {}),
      onSettled: (entry, outcome, error) => this.onSettled(entry, outcome, error),
    });
    // A poll that starts or stops failing is told to the platform at once, not a heartbeat later.
    this.poller = new QueuePoller(options.api, { logger: options.logger, ...options.poller, onHealthChange: () => this.wakeHeartbeat?.() });
  }

  get state(): 'idle' | 'busy' {
    return this.store.active().length > 0 ? 'busy' : 'idle';
  }

  /** Stop taking work; finish what runs; then sign off. `run` then resolves 'drained'. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.options.logger.info('draining: no new work; the running jobs finish, then the host signs off', { running: this.store.active().length });
    this.wakeHeartbeat?.();
    this.wakeDrain?.();
  }

  /** `gpuhive-agent verify` (SIGUSR1): ask the platform for a verification run at the next heartbeat, now. */
  requestVerification(): void {
    this.verificationRequested = true;
    this.wakeHeartbeat?.();
  }

  /** Graceful stop (SIGTERM): no new work, process jobs stopped, Docker jobs left running, outbox flushed. */
  stop(): void {
    this.verifying?.controller.abort();
    this.stopping.abort();
    this.wakeDrain?.();
  }

  async run(): Promise<'stopped' | 'drained' | 'refused'> {
    const { logger, paths } = this.options;
    writeFileSync(paths.pid, `${process.pid}\n`, { mode: PRIVATE_FILE });
    const signal = this.stopping.signal;
    this.sender.start(this.senderStop.signal);
    await this.recover();
    logger.info('agent running', { hostId: this.options.state.hostId, api: this.options.api.baseUrl, state: this.state, pendingOutbox: this.outbox.size });

    const heartbeats = this.heartbeatLoop(signal);
    const usage = this.usageLoop(signal);
    const polling = this.poller.run(signal, (message) => this.onMessage(message), () => !this.draining);
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
    try {
      const result = await this.options.api.signOff();
      this.options.logger.info('signed off: the host is offline', { status: result.status });
      // `status` reads the last answer: after a sign-off that is this one, not the last heartbeat's `online (draining)`.
      this.signedOff = true;
      this.record({ at: new Date().toISOString(), ok: true, status: result.status, statusReason: result.statusReason, listed: false, acceptsWork: false });
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      this.options.logger.warn('sign-off not possible yet; retrying', { error: describeError(error) });
      await this.sleep(2000, signal);
      return false;
    }
  }

  // ---- recovery after a restart -------------------------------------------------------

  private async recover(): Promise<void> {
    for (const record of this.store.active()) {
      const { logger } = this.options;
      logger.info('recovering assignment', { assignmentId: record.assignmentId, phase: record.phase, runtime: record.runtime });
      if (record.phase === 'accepting') {
        // Whether the API answered before the crash is unknown: ask again (an accepted answer is idempotent).
        this.putEvent(record, { type: 'accepted' });
        continue;
      }
      const logs = this.logsOf(record);
      if (record.runtime === 'docker' && this.options.runners.docker) {
        const job = await this.options.runners.docker.reattach(record.assignmentId, logs, record.lastLogAt);
        if (job) {
          logger.info('re-attached to the running container', { assignmentId: record.assignmentId, container: job.containerName });
          this.follow(record, logs, job);
          if (record.stopReason) void this.stopJob(record, record.stopReason);
          continue;
        }
      }
      if (record.pid !== undefined && record.message.command?.[0]) {
        await killLeftover(record.pid, record.message.command[0], this.options.stopGraceMs ?? 10_000, (ms) => this.sleep(ms));
      }
      logs.close();
      this.live.delete(record.assignmentId);
      if (record.stopReason && record.stopReason.startsWith('cancel')) {
        this.finish(record, { type: 'stopped', message: record.stopReason }, 'stopped');
      } else {
        const why = record.runtime === 'process'
          ? 'the agent stopped while this process job ran (process jobs end with the agent)'
          : 'the container ended while the agent was down; its exit code is unknown';
        this.finish(record, { type: 'failed', message: withTail(why, tailOfFile(join(this.jobDir(record.assignmentId), 'output.log'), LOG_TAIL_LINES)) }, 'failed');
      }
    }
  }

  // ---- messages ----------------------------------------------------------------------

  /** Returns true once the message's effect is in the outbox or the store: it may be deleted. */
  private async onMessage(message: HostMessage): Promise<boolean> {
    if (message.type === 'cancel') {
      this.onCancel(message.assignmentId, `cancelled: ${message.reason}`, message);
      return true;
    }
    // Draining or stopping: leave it in the queue; unaccepted, the platform places it elsewhere.
    if (this.draining || this.stopping.signal.aborted) return this.store.get(message.assignmentId) !== undefined;
    // A renter's work never waits for verification: the run in progress gives way at once.
    this.abortVerification();
    this.onAssignment(message);
    return true;
  }

  private onAssignment(message: AssignmentMessage): void {
    const { logger } = this.options;
    if (this.store.get(message.assignmentId)) return; // a resend, or already handled
    const runtime = message.image ? 'docker' : 'process';
    const record: AssignmentRecord = {
      assignmentId: message.assignmentId, message, runtime, phase: 'accepting', receivedAt: new Date().toISOString(), usageSeq: 0, logSeq: 0,
    };
    logger.info('assignment received', { assignmentId: message.assignmentId, jobId: message.jobId, runtime, gpus: message.gpuIndices.join(','), rank: message.rank, worldSize: message.worldSize });
    this.store.put(record);
    this.putEvent(record, { type: 'accepted' });
  }

  private onCancel(assignmentId: string, reason: string, message?: Pick<CancelMessage, 'jobId' | 'deadline' | 'graceSeconds'>): void {
    this.noteKillBy(assignmentId, message);
    const record = this.store.get(assignmentId);
    if (!record) {
      // A cancel that overtook its assignment: remember it, so the assignment is never run.
      if (message) {
        this.store.put({
          assignmentId, message: { type: 'assignment', assignmentId, jobId: message.jobId, env: {}, gpuIndices: [], maxDurationSeconds: 0, rank: 0, worldSize: 1, peers: [], command: ['true'] },
          runtime: 'process', phase: 'ended', receivedAt: new Date().toISOString(), endedAt: new Date().toISOString(), usageSeq: 0, logSeq: 0, outcome: 'withdrawn', stopReason: reason,
        });
      }
      return;
    }
    if (record.phase === 'ended' || record.stopReason) return;
    this.options.logger.info('stopping assignment', { assignmentId, reason });
    this.store.update(assignmentId, { stopReason: reason });
    if (record.phase === 'running' || record.phase === 'starting') void this.stopJob(record, reason);
    // accepting: decided when the API answers `accepted`.
  }

  // ---- the outbox's answers -----------------------------------------------------------

  private onSettled(entry: OutboxEntry, outcome: Outcome, error?: unknown): void {
    if (entry.kind !== 'event') return;
    const event = entry.payload as AgentEvent;
    const record = this.store.get(entry.assignmentId);
    if (event.type !== 'accepted' || !record || record.phase !== 'accepting') return;
    if (outcome === 'delivered') {
      if (record.stopReason) {
        this.finish(record, { type: 'stopped', message: record.stopReason }, 'stopped');
        return;
      }
      this.store.update(record.assignmentId, { phase: 'starting' });
      void this.startJob(record);
      return;
    }
    this.options.logger.info('assignment withdrawn: dropped', { assignmentId: record.assignmentId, reason: error instanceof ApiError ? error.code : outcome });
    this.store.update(record.assignmentId, { phase: 'ended', outcome: 'withdrawn', endedAt: new Date().toISOString() });
    this.wakeDrain?.();
  }

  // ---- running jobs -----------------------------------------------------------------

  private jobDir(assignmentId: string): string {
    return join(this.options.paths.jobs, assignmentId.replace(/[^a-zA-Z0-9_.-]/g, '-'));
  }

  private logsOf(record: AssignmentRecord): JobLogs {
    const existing = this.live.get(record.assignmentId);
    if (existing) return existing.logs;
    const max = this.options.maxShippedLogChars ?? 10 * 1024 * 1024;
    const live: Live = {
      shipped: 0,
      logs: new JobLogs(this.jobDir(record.assignmentId), {
        redact: (record.message.secretEnv ?? []).map((name) => record.message.env[name] ?? '').filter(Boolean),
        onChunk: (stream, data, at) => {
          record.lastLogAt = at.toISOString();
          if (live.shipped >= max) return;
          live.shipped += data.length;
          const seq = record.logSeq;
          record.logSeq += 1;
          this.outbox.put([{ id: `${record.assignmentId}/logs/${seq}`, kind: 'logs', assignmentId: record.assignmentId, payload: { seq, stream, at: at.toISOString(), data } satisfies LogChunk }]);
        },
      }),
    };
    this.live.set(record.assignmentId, live);
    return live.logs;
  }

  private async startJob(record: AssignmentRecord): Promise<void> {
    const { logger, runners } = this.options;
    const runner = record.runtime === 'docker' ? runners.docker : runners.process;
    const logs = this.logsOf(record);
    if (!runner) {
      const why = record.runtime === 'docker'
        ? 'this host cannot run image jobs: Docker with the NVIDIA runtime is not available'
        : 'this host does not run command jobs as processes (the provider did not pass --allow-process-jobs)';
      this.finish(record, { type: 'failed', message: why }, 'failed');
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
          const now = new Date().toISOString();
          this.store.update(record.assignmentId, { phase: record.stopReason ? 'stopping' : 'running', startedAt: now, usageFrom: now });
          this.putEvent(record, { type: 'started' });
          logger.info('job started', { assignmentId: record.assignmentId, runtime: record.runtime });
        },
      });
    } catch (error) {
      const message = error instanceof StartError ? error.message : `could not start: ${describeError(error)}`;
      logger.warn('job could not start', { assignmentId: record.assignmentId, error: message });
      logs.flush();
      this.finish(record, { type: 'failed', message: withTail(message, logs.tail(LOG_TAIL_LINES)) }, 'failed');
      return;
    }
    this.store.update(record.assignmentId, { ...(job.pid !== undefined ? { pid: job.pid } : {}), ...(job.containerName ? { containerName: job.containerName } : {}) });
    this.follow(record, logs, job);
    if (record.stopReason) void this.stopJob(record, record.stopReason);
  }

  /** Watches a started job to its end; enforces its max duration. */
  private follow(record: AssignmentRecord, logs: JobLogs, job: RunningJob): void {
    const live = this.live.get(record.assignmentId);
    if (live) live.job = job;
    const maxMs = record.message.maxDurationSeconds * 1000 - (Date.now() - Date.parse(record.startedAt ?? record.receivedAt));
    const timer = setTimeout(() => void this.stopJob(record, `max duration of ${record.message.maxDurationSeconds} s reached`), Math.max(0, maxMs));
    timer.unref();
    const done = job.exited.then(
      (exit) => this.onExit(record, exit),
      (error: unknown) => this.onExit(record, { exitCode: 255, signal: describeError(error) }),
    ).finally(() => {
      clearTimeout(timer);
      this.jobsDone.delete(record.assignmentId);
    });
    this.jobsDone.set(record.assignmentId, done);
    this.watchEndpoints(record, done);
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
      if (!ended) this.putEvent(record, { type: 'started', readyPorts }, `ready-${readyPorts.join('-')}`);
    }, { sleep })).catch((error: unknown) => this.options.logger.warn('port check failed', { assignmentId: record.assignmentId, error: describeError(error) }));
  }

  private async stopJob(record: AssignmentRecord, reason: string): Promise<void> {
    const live = this.live.get(record.assignmentId);
    if (!record.stopReason) this.store.update(record.assignmentId, { stopReason: reason });
    if (record.phase === 'running') this.store.update(record.assignmentId, { phase: 'stopping' });
    if (!live?.job) return; // still starting: stopped as soon as it started
    this.options.logger.info('stopping job', { assignmentId: record.assignmentId, reason });
    await live.job.stop(this.graceFor(record));
  }

  /**
   * The platform bills nothing past a stop's deadline (issue 13): remember it, by whichever
   * is earlier of its time and its grace from now, so a clock that runs ahead or a cancel
   * that came late only shortens the grace.
   */
  private noteKillBy(assignmentId: string, message?: Pick<CancelMessage, 'deadline' | 'graceSeconds'>): void {
    const now = Date.now();
    const byGrace = message?.graceSeconds !== undefined ? now + message.graceSeconds * 1000 : Number.POSITIVE_INFINITY;
    const byDeadline = message?.deadline ? Date.parse(message.deadline) : Number.POSITIVE_INFINITY;
    const by = Math.min(byGrace, Number.isNaN(byDeadline) ? Number.POSITIVE_INFINITY : byDeadline);
    if (Number.isFinite(by)) this.killBy.set(assignmentId, Math.min(by, this.killBy.get(assignmentId) ?? by));
  }

  /** SIGTERM now, SIGKILL after the agent's own grace, never after the platform's grace or the stop's deadline. */
  private graceFor(record: AssignmentRecord): number {
    const platform = record.message.stopGraceSeconds !== undefined ? record.message.stopGraceSeconds * 1000 : Number.POSITIVE_INFINITY;
    const killBy = this.killBy.get(record.assignmentId);
    const left = killBy === undefined ? Number.POSITIVE_INFINITY : Math.max(0, killBy - Date.now());
    return Math.min(this.options.stopGraceMs ?? 10_000, platform, left);
  }

  private onExit(record: AssignmentRecord, exit: JobExit): void {
    const live = this.live.get(record.assignmentId);
    if (this.detached.has(record.assignmentId)) return; // the agent let go of it (Docker across a restart)
    if (record.phase === 'ended') return;
    live?.logs.close();
    this.live.delete(record.assignmentId);
    this.reportUsage(record, new Date());
    const tail = tailOfFile(join(this.jobDir(record.assignmentId), 'output.log'), LOG_TAIL_LINES);
    this.options.logger.info('job ended', { assignmentId: record.assignmentId, exitCode: exit.exitCode, signal: exit.signal, stopReason: record.stopReason });
    if (record.stopReason && this.stopping.signal.aborted && !record.stopReason.startsWith('cancel')) {
      this.finish(record, { type: 'failed', exitCode: exit.exitCode, message: withTail(record.stopReason, tail) }, 'failed', exit.exitCode);
    } else if (record.stopReason) {
      this.finish(record, { type: 'stopped', exitCode: exit.exitCode, message: record.stopReason }, 'stopped', exit.exitCode);
    } else {
      const code = Math.max(-255, Math.min(255, exit.exitCode));
      this.finish(record, { type: 'exited', exitCode: code, ...(code !== 0 ? { message: withTail(`exited with code ${code}${exit.signal ? ` (${exit.signal})` : ''}`, tail) } : {}) }, 'exited', code);
    }
  }

  private finish(record: AssignmentRecord, event: Omit<AgentEvent, 'at'>, outcome: NonNullable<AssignmentRecord['outcome']>, exitCode?: number): void {
    this.putEvent(record, event);
    this.store.update(record.assignmentId, { phase: 'ended', outcome, endedAt: new Date().toISOString(), ...(exitCode !== undefined ? { exitCode } : {}) });
    this.wakeDrain?.();
  }

  /** `variant` tells apart events of one type that each must be delivered (a `started` with more ready ports). */
  private putEvent(record: AssignmentRecord, event: Omit<AgentEvent, 'at'>, variant?: string): void {
    const inert = event.message === undefined ? event : { ...event, message: inertMessage(event.message) };
    this.outbox.put([{ id: `${record.assignmentId}/event/${event.type}${variant ? `/${variant}` : ''}`, kind: 'event', assignmentId: record.assignmentId, payload: { ...inert, at: new Date().toISOString() } }]);
  }

  // ---- usage ---------------------------------------------------------------------------

  private reportUsage(record: AssignmentRecord, now: Date, utilization?: Map<number, number>): void {
    if (!record.usageFrom) return;
    const samples = record.message.gpuIndices.map((index) => utilization?.get(index)).filter((value): value is number => value !== undefined);
    const usage = usageRecord({ assignmentId: record.assignmentId, seq: record.usageSeq, gpuCount: record.message.gpuIndices.length, from: new Date(record.usageFrom), to: now, utilization: samples });
    if (!usage) return;
    // Outbox first, then the store: after a crash between the two the same seq (and eventId) is reused.
    this.outbox.put([{ id: `${record.assignmentId}/usage/${usage.eventId}`, kind: 'usage', assignmentId: record.assignmentId, payload: usage }]);
    this.store.update(record.assignmentId, { usageSeq: record.usageSeq + 1, usageFrom: usage.to });
  }

  private async usageLoop(signal: AbortSignal): Promise<void> {
    const interval = this.options.usageIntervalMs ?? 60_000;
    while (!signal.aborted) {
      // Busy: look every second; idle: rarely (a job's first record is due a full interval after it starts).
      await this.sleep(Math.min(interval, this.state === 'busy' ? 1000 : 10_000), signal);
      const now = new Date();
      const due = this.store.active().filter((record) => (record.phase === 'running' || record.phase === 'stopping') && record.usageFrom && usageDue(new Date(record.usageFrom), now, interval));
      if (due.length === 0) continue;
      const utilization = await this.options.gpuUtilization?.().catch(() => undefined);
      for (const record of due) this.reportUsage(record, now, utilization);
    }
  }

  // ---- heartbeat -------------------------------------------------------------------------

  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    const { logger } = this.options;
    while (!signal.aborted) {
      let response: HeartbeatResponse | undefined;
      try {
        const utilization = await this.options.gpuUtilization?.().catch(() => undefined);
        const queuePoll = this.poller.health();
        const requested = this.verificationRequested;
        const abortedRunId = this.abortedRunId;
        response = await this.options.api.heartbeat({
          runningAssignments: this.store.active().filter((record) => record.phase !== 'accepting').map((record) => record.assignmentId),
          ...(this.draining ? { draining: true } : {}),
          ...(utilization && utilization.size > 0 ? { gpuUtilization: this.options.state.gpus.map((gpu) => utilization.get(gpu.index) ?? 0) } : {}),
          ...(queuePoll ? { queuePoll } : {}),
          ...(this.verificationRequested ? { requestVerification: true } : {}),
          ...(abortedRunId ? { abortedVerification: abortedRunId } : {}),
        });
        if (requested) this.verificationRequested = false;
        if (abortedRunId === this.abortedRunId) this.abortedRunId = undefined;
        if (!this.heartbeatOk) {
          logger.info('API reachable again: resending the outbox now', { pending: this.outbox.size });
          this.sender.retryNow();
        }
        this.heartbeatOk = true;
        this.heartbeatsAnswered += 1;
        this.refusals = 0;
        this.heartbeatIntervalSeconds = response.heartbeatIntervalSeconds || this.heartbeatIntervalSeconds;
        if (!this.signedOff) this.record({
          at: new Date().toISOString(), ok: true, status: response.status, statusReason: response.statusReason, listed: response.listed,
          ...(response.acceptsWork !== undefined ? { acceptsWork: response.acceptsWork } : {}), ...(queuePoll ? { queuePoll } : {}),
          ...(response.maintenance && response.maintenance.length > 0 ? { maintenance: response.maintenance } : {}),
        });
        await this.reconcileWith(response.assignments);
        if (response.verification) this.maybeVerify(response.verification);
      } catch (error) {
        if (signal.aborted) break;
        if (this.heartbeatOk || !(error instanceof ApiError && error.unauthorized)) {
          (error instanceof ApiError && error.unauthorized ? logger.error : logger.warn)(
            error instanceof ApiError && error.unauthorized
              ? 'heartbeat refused: the agent token is not valid (was the host deregistered?); run gpuhive-agent doctor'
              : 'heartbeat failed; jobs keep running and reports wait in the outbox',
            { error: describeError(error) },
          );
        }
        this.heartbeatOk = false;
        const queuePoll = this.poller.health();
        this.record({ at: new Date().toISOString(), ok: false, error: describeError(error), ...(queuePoll ? { queuePoll } : {}) });
        if (error instanceof ApiError && error.unauthorized && this.refused(error)) break;
      }
      // After a failure, try again sooner (but at most at the interval) to notice the API's return.
      const waitMs = this.heartbeatOk ? this.heartbeatIntervalSeconds * 1000 : Math.min(this.heartbeatIntervalSeconds * 1000, 2000);
      await new Promise<void>((resolve) => {
        this.wakeHeartbeat = resolve;
        void this.sleep(waitMs, signal).then(resolve);
      });
      this.wakeHeartbeat = undefined;
    }
  }

  /**
   * A refused token never heals by retrying: stop at once when no heartbeat was ever answered
   * in this run (a mistyped or garbage token), or after a few refusals in a row (deregistered).
   */
  private refused(error: ApiError): boolean {
    this.refusals += 1;
    if (this.heartbeatsAnswered > 0 && this.refusals < REFUSALS_BEFORE_STOP) return false;
    this.refusedReason = describeError(error);
    this.stopping.abort();
    this.wakeDrain?.();
    return true;
  }

  private record(heartbeat: LastHeartbeat): void {
    try {
      writeJsonFile(this.options.paths.heartbeat, heartbeat);
    } catch (error) {
      this.options.logger.warn('cannot write the last heartbeat', { error: describeError(error) });
    }
  }

  private async reconcileWith(listed: readonly string[]): Promise<void> {
    const plan = reconcile({
      listed,
      known: this.store.all().map((record) => ({ assignmentId: record.assignmentId, active: record.phase === 'running' || record.phase === 'starting', receivedAt: record.receivedAt })),
      firstListedAt: this.firstListedAt,
      now: Date.now(),
      graceMs: this.options.reconcileGraceMs ?? 120_000,
    });
    for (const assignmentId of plan.stop) {
      this.options.logger.warn('the platform no longer lists this assignment: stopping it', { assignmentId });
      this.onCancel(assignmentId, 'the platform no longer lists this assignment');
    }
    if (this.draining) return;
    for (const assignmentId of plan.fetch) {
      try {
        const view = await this.options.api.getAssignment(assignmentId);
        this.firstListedAt.delete(assignmentId);
        if (view.live && view.message) {
          this.options.logger.info('reconcile: accepting a live assignment the queue did not bring', { assignmentId });
          this.onAssignment(view.message);
        }
      } catch (error) {
        if (!isRetryable(error)) this.firstListedAt.delete(assignmentId);
        this.options.logger.warn('reconcile: cannot fetch assignment', { assignmentId, error: describeError(error) });
      }
    }
  }

  // ---- verification ----------------------------------------------------------------------

  /** Starts a challenge the heartbeat handed out, only on an idle agent, once per run. */
  private maybeVerify(challenge: Challenge): void {
    const verifier = this.options.verifier;
    if (!verifier || this.verifying || this.startedRuns.has(challenge.runId)) return;
    if (this.draining || this.stopping.signal.aborted || this.state === 'busy') return;
    this.startedRuns.add(challenge.runId);
    const controller = new AbortController();
    // The runner loads with the first run (hours apart, after registration).
    const done = import('#agent/verify/run-verification.ts')
      .then(({ runVerification, appendVerificationRecord }) => runVerification(challenge, { api: this.options.api, backend: verifier.backend, gpus: verifier.gpus, signal: controller.signal, logger: this.options.logger })
        .then((record) => {
          if (record.outcome === 'aborted') {
            // Told in the next heartbeat (sent at once): the run ends without counting against the host.
            this.abortedRunId = challenge.runId;
            this.wakeHeartbeat?.();
          }
          try {
            appendVerificationRecord(verifier.recordsPath, record);
          } catch (error) {
            this.options.logger.warn('cannot record the verification run', { error: describeError(error) });
          }
        }))
      .catch((error: unknown) => this.options.logger.warn('verification could not run', { runId: challenge.runId, error: describeError(error) }))
      .finally(() => {
        if (this.verifying?.runId === challenge.runId) this.verifying = undefined;
      });
    this.verifying = { runId: challenge.runId, controller, done };
  }

  private abortVerification(): void {
    if (!this.verifying || this.verifying.controller.signal.aborted) return;
    this.options.logger.info('an assignment arrived: aborting the verification run', { runId: this.verifying.runId });
    this.verifying.controller.abort();
  }

  // ---- shutdown --------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const { logger } = this.options;
    this.verifying?.controller.abort();
    await this.verifying?.done;
    const running = [...this.live.entries()];
    for (const [assignmentId, live] of running) {
      const record = this.store.get(assignmentId);
      if (!record || !live.job) continue;
      if (record.runtime === 'docker') {
        logger.info('leaving the container running; the next agent re-attaches', { assignmentId, container: live.job.containerName });
        this.detached.add(assignmentId);
        this.reportUsage(record, new Date());
        live.logs.close();
        live.job.detach();
        continue;
      }
      if (!record.stopReason) this.store.update(assignmentId, { stopReason: 'the agent was stopped; process jobs end with it' });
      await live.job.stop(this.options.stopGraceMs ?? 10_000).catch(() => undefined);
    }
    // Each watcher settles (it catches the job's own failure); bounded in case a runtime hangs.
    const reporting = [...this.jobsDone].filter(([assignmentId]) => !this.detached.has(assignmentId)).map(([, done]) => done);
    await Promise.race([Promise.all(reporting), this.sleep(this.options.stopGraceMs ?? 10_000)]);
    const flushed = await this.sender.flush(this.options.flushTimeoutMs ?? 10_000);
    if (!flushed) logger.warn('stopping with reports still in the outbox; they are sent when the agent runs again', { pending: this.outbox.size });
    this.senderStop.abort();
    await this.sender.stopped();
  }
}
