import { addSeconds } from '#platform/clock.ts';
import { formatUsd } from '#platform/money.ts';
import {
  currentAssignments,
  isFinal,
  isLive,
  assignmentIdFor,
  type Assignment,
  restartsOnHostLoss,
  type Job,
} from './job.ts';
import type { AssignmentMessage } from './messages.ts';
import type { PlacedHost } from './placement.ts';
import { assignPorts } from './ports.ts';
import { replicaHealthCheckOf } from './replica-health-check.ts';
import { Transition, unchanged, type Outcome } from './outcome.ts';
import type { MatchingSettings } from './matching-settings.ts';

/** With `on-host-loss`, a lost host or a failed start re-queues the job once. */
const MAX_RESTARTS = 1;

export const assignmentMessage = (job: Job, assignment: Assignment, peers: readonly Assignment[]): AssignmentMessage => ({
  type: 'assignment',
  assignmentId: assignment.assignmentId,
  jobId: job.jobId,
  ...(job.spec.image ? { image: job.spec.image } : {}),
  ...(job.spec.command ? { command: job.spec.command } : {}),
  env: withRestartEnv(job, job.spec.env),
  gpuIndices: assignment.gpuIndices,
  maxDurationSeconds: job.spec.maxDurationSeconds,
  rank: assignment.rank,
  worldSize: peers.length,
  peers: peers.map((peer) => ({ rank: peer.rank, hostId: peer.hostId, ...(peer.publicAddress ? { address: peer.publicAddress } : {}) })),
  ...(assignment.ports && assignment.ports.length > 0 ? { ports: assignment.ports } : {}),
  ...(job.spec.sshKeys && job.spec.sshKeys.length > 0 ? { sshKeys: job.spec.sshKeys } : {}),
  ...(job.spec.secretEnv && job.spec.secretEnv.length > 0 ? { secretEnv: job.spec.secretEnv } : {}),
  ...replicaHealthCheckOf(job.spec, assignment),
});

/** A restarted run is told how many runs came before and why the last one ended (so it can resume from a checkpoint). */
const withRestartEnv = (job: Job, env: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
  const count = job.restarts + (job.preemptions ?? 0);
  return count > 0 ? { ...env, GPUHIVE_RESTART_COUNT: String(count), GPUHIVE_RESTART_REASON: job.restartReason ?? 'restarted' } : env;
};

/** The matcher found hosts: the job is scheduled and each host gets its assignment. */
export const onPlaced = (job: Job, hosts: readonly PlacedHost[], now: Date): Outcome => {
  if (job.status !== 'queued' || !job.fundsHeld) return unchanged(job);
  const t = new Transition(job, now);
  const at = now.toISOString();
  const assignments: Assignment[] = hosts.map((host, rank) => ({
    assignmentId: assignmentIdFor(job.jobId, job.attempt, rank),
    attempt: job.attempt,
    hostId: host.hostId,
    providerId: host.providerId,
    rank,
    gpuIndices: host.gpuIndices,
    gpuModel: host.gpuModel,
    pricePerGpuHour: host.pricePerGpuHour,
    region: host.region,
    ...(host.publicAddress ? { publicAddress: host.publicAddress } : {}),
    ...(job.spec.tier === 'interruptible' ? { interruptible: true as const } : {}),
    ...(job.spec.ports && job.spec.ports.length > 0 ? { ports: assignPorts(job.spec.ports, host.hostPorts ?? []) } : {}),
    state: 'offered',
    offeredAt: at,
    lastSentAt: at,
  }));
  t.update({ status: 'scheduled', statusReason: 'waiting for the host to accept', scheduledAt: at, assignments: [...job.assignments, ...assignments] });
  for (const assignment of assignments) {
    t.reserved(assignment);
    t.send({ hostId: assignment.hostId, message: assignmentMessage(t.job, assignment, assignments) });
    t.note('placed', `placed on ${assignment.hostId}: ${assignment.gpuIndices.length}x ${assignment.gpuModel} at ${formatUsd(assignment.pricePerGpuHour)}/GPU-hour`, {
      assignmentId: assignment.assignmentId,
      hostId: assignment.hostId,
      rank: assignment.rank,
    });
  }
  return t.outcome();
};

/** The job stays queued; the renter reads why, and the timeline notes each new reason. */
export const onUnplaceable = (job: Job, reason: string, now: Date): Outcome => {
  if (job.status !== 'queued' || !job.fundsHeld || job.statusReason === reason) return unchanged(job);
  const t = new Transition(job, now);
  t.update({ statusReason: reason });
  t.note('queued', reason);
  return t.outcome();
};

export type AgentEventType = 'accepted' | 'started' | 'exited' | 'failed' | 'stopped';

export type AgentEventResult = { readonly kind: 'applied'; readonly outcome: Outcome } | { readonly kind: 'withdrawn' };

/**
 * An agent reports on its assignment. Times that count are the platform's receipt times.
 * `accepted` is refused (`withdrawn`) unless the assignment is still live and offered or
 * already accepted, so a withdrawn assignment never runs. Every event is idempotent.
 */
export const onAgentEvent = (
  job: Job,
  assignmentId: string,
  event: { type: AgentEventType; exitCode?: number; message?: string; readyPorts?: readonly number[] },
  now: Date,
): AgentEventResult => {
  const assignment = job.assignments.find((candidate) => candidate.assignmentId === assignmentId);
  if (!assignment) return { kind: 'withdrawn' };
  const t = new Transition(job, now);
  const at = now.toISOString();
  const applied = (): AgentEventResult => ({ kind: 'applied', outcome: t.outcome() });

  switch (event.type) {
    case 'accepted': {
      if (assignment.state === 'accepted' || assignment.state === 'running') return applied();
      if (assignment.state !== 'offered' || isFinal(job.status)) return { kind: 'withdrawn' };
      t.updateAssignment(assignmentId, { state: 'accepted', acceptedAt: at });
      t.note('accepted', `${assignment.hostId} accepted rank ${assignment.rank}`, { assignmentId });
      if (currentAssignments(t.job).every((a) => a.state !== 'offered')) t.update({ statusReason: 'starting' });
      return applied();
    }
    case 'started': {
      const ready = readyPortsAfter(assignment, event.readyPorts);
      if (!isLive(assignment)) return applied();
      if (assignment.startedAt) {
        // A repeated `started` may only add ports the agent has since seen answer.
        if (ready) t.updateAssignment(assignmentId, { readyPorts: ready });
        return applied();
      }
      const running = t.updateAssignment(assignmentId, {
        state: assignment.state === 'stopping' ? 'stopping' : 'running',
        startedAt: at,
        acceptedAt: assignment.acceptedAt ?? at,
        ...(ready ? { readyPorts: ready } : {}),
      });
      t.started(running);
      t.note('started', `rank ${assignment.rank} started on ${assignment.hostId}`, { assignmentId });
      // Only the current placement's ranks make the job run: an old one may start late.
      if (job.status === 'scheduled' && assignment.attempt === job.attempt) t.update({ status: 'running', statusReason: null, startedAt: at });
      return applied();
    }
    case 'exited': {
      if (!isLive(assignment)) return applied();
      const code = event.exitCode ?? 0;
      t.end(assignment, 'exited', at, code === 0 ? 'exited' : 'exit_code', code);
      t.note('exited', `rank ${assignment.rank} exited with code ${code}`, { assignmentId, exitCode: code });
      if (isFinal(t.job.status) || assignment.attempt !== job.attempt) return applied();
      if (code !== 0) {
        t.finish('failed', 'exit_code', `failed: rank ${assignment.rank} exited with code ${code}`);
      } else if (currentAssignments(t.job).every((a) => a.state === 'exited' && a.exitCode === 0)) {
        t.finish('succeeded', null, 'succeeded: every rank exited 0');
      }
      return applied();
    }
    case 'failed': {
      if (!isLive(assignment)) return applied();
      const beforeStart = !assignment.startedAt;
      const reason = beforeStart ? 'start_failed' : 'exit_code';
      t.end(assignment, 'failed', at, reason, event.exitCode);
      t.note('failed', `rank ${assignment.rank} failed on ${assignment.hostId}${event.message ? `: ${event.message}` : ''}`, { assignmentId, reason });
      if (isFinal(t.job.status) || assignment.attempt !== job.attempt) return applied();
      if (beforeStart && restartsOnHostLoss(job.spec.restartPolicy) && job.restarts < MAX_RESTARTS) t.requeue('the host could not start it', 'restarts', [assignment.hostId]);
      else t.finish('failed', reason, beforeStart ? 'failed: the job could not start' : `failed: rank ${assignment.rank} died with its agent`);
      return applied();
    }
    case 'stopped': {
      if (!isLive(assignment)) return applied();
      // A preemption's lease ends at its deadline at the latest, however late the agent says so.
      const endedAt = assignment.stopDeadline !== undefined && assignment.stopDeadline < at ? assignment.stopDeadline : at;
      t.end(assignment, 'stopped', endedAt, assignment.stopReason ?? 'stopped');
      t.note('stopped', `rank ${assignment.rank} stopped on ${assignment.hostId}`, { assignmentId });
      return applied();
    }
  }
};

/** The ready ports after a report, or undefined when it adds none (only the assignment's own host ports count). */
const readyPortsAfter = (assignment: Assignment, reported: readonly number[] | undefined): number[] | undefined => {
  const own = new Set((assignment.ports ?? []).map((port) => port.hostPort));
  const known = new Set(assignment.readyPorts ?? []);
  const added = (reported ?? []).filter((port) => own.has(port) && !known.has(port));
  return added.length > 0 ? [...known, ...new Set(added)].sort((a, b) => a - b) : undefined;
};

/** The renter cancels: a queued job ends at once; a placed one's hosts are told to stop. */
export const onCancel = (job: Job, now: Date): Outcome => {
  if (isFinal(job.status)) return unchanged(job);
  const t = new Transition(job, now);
  t.finish('cancelled', null, 'cancelled by the renter');
  return t.outcome();
};

/**
 * The host went offline: its live assignments end where the platform last saw it alive.
 * The job is re-queued once under `on-host-loss`, otherwise it fails with `host_lost`.
 */
export const onHostLost = (job: Job, hostId: string, lastSeenAt: string, now: Date, settings: MatchingSettings): Outcome => {
  const lost = job.assignments.filter((assignment) => assignment.hostId === hostId && isLive(assignment));
  if (lost.length === 0) return unchanged(job);
  const t = new Transition(job, now);
  for (const assignment of lost) {
    const leaseEnd = assignment.startedAt && lastSeenAt < assignment.startedAt ? assignment.startedAt : lastSeenAt;
    const end = assignment.state === 'stopping' ? minIso(leaseEnd, stopDeadline(assignment, settings.stopGraceSeconds)) : leaseEnd;
    t.end(assignment, 'lost', end, 'host_lost');
  }
  t.note('host_lost', `host ${hostId} went offline`, { hostId });
  const current = lost.some((assignment) => assignment.attempt === job.attempt);
  if (!current || isFinal(job.status)) return t.outcome();
  if (restartsOnHostLoss(job.spec.restartPolicy) && job.restarts < MAX_RESTARTS) t.requeue(`host ${hostId} was lost`, 'restarts', [hostId]);
  else t.finish('failed', 'host_lost', `failed: host ${hostId} was lost`);
  return t.outcome();
};

/** The host is unreachable: nothing is touched (a blip must not cost a job), but the renter sees it. */
export const onHostUnreachable = (job: Job, hostId: string, now: Date): Outcome => {
  if (!currentAssignments(job).some((assignment) => assignment.hostId === hostId && isLive(assignment))) return unchanged(job);
  const t = new Transition(job, now);
  t.note('host_unreachable', `host ${hostId} is not answering; its work is kept while it may come back`, { hostId });
  return t.outcome();
};

/** When a stop's lease ends at the latest: its own deadline (a preemption's), else the request + the grace. */
const stopDeadline = (assignment: Assignment, graceSeconds: number): string =>
  assignment.stopDeadline ?? addSeconds(new Date(assignment.stopRequestedAt ?? assignment.offeredAt), graceSeconds).toISOString();

const minIso = (a: string, b: string): string => (a < b ? a : b);

const olderThan = (iso: string | undefined, seconds: number, now: Date): boolean =>
  iso !== undefined && new Date(iso).getTime() + seconds * 1000 <= now.getTime();

/**
 * The scheduled sweep's pass over one job: expiry in the queue, assignments not accepted
 * in time, the platform-enforced max duration, the stop grace, and re-sending what the
 * agent has not yet confirmed.
 */
export const onSweep = (job: Job, now: Date, settings: MatchingSettings): Outcome => {
  const t = new Transition(job, now);
  if (job.status === 'queued' && olderThan(job.queuedAt ?? job.createdAt, settings.queueTimeoutSeconds, now)) {
    t.finish('expired', 'expired', `expired: not placed within ${settings.queueTimeoutSeconds} s`);
  }
  if (t.job.status === 'scheduled') {
    const late = currentAssignments(t.job).filter((a) => a.state === 'offered' && olderThan(a.offeredAt, settings.acceptTimeoutSeconds, now));
    if (late.length > 0) {
      if (t.job.notAccepted + 1 >= settings.maxNotAccepted) t.finish('failed', 'not_accepted', `failed: no host accepted it after ${settings.maxNotAccepted} placements`);
      else t.requeue(`${late.map((a) => a.hostId).join(', ')} did not accept in time`, 'notAccepted', late.map((a) => a.hostId));
    }
  }
  if (t.job.status === 'running' && olderThan(t.job.startedAt, t.job.spec.maxDurationSeconds, now)) {
    t.finish('failed', 'max_duration_exceeded', `failed: ran past its max duration of ${t.job.spec.maxDurationSeconds} s`);
  }
  for (const assignment of t.job.assignments) {
    const stopDue = assignment.stopDeadline !== undefined ? assignment.stopDeadline <= now.toISOString() : olderThan(assignment.stopRequestedAt, settings.stopGraceSeconds, now);
    if (assignment.state === 'stopping' && stopDue) {
      t.end(assignment, 'stopped', stopDeadline(assignment, settings.stopGraceSeconds), `${assignment.stopReason ?? 'stopped'} (no stop confirmed within the grace)`);
    } else if (isLive(assignment) && (assignment.state === 'offered' || assignment.state === 'stopping') && olderThan(assignment.lastSentAt, settings.resendAfterSeconds, now)) {
      const peers = t.job.assignments.filter((peer) => peer.attempt === assignment.attempt);
      t.send({
        hostId: assignment.hostId,
        message:
          assignment.state === 'offered'
            ? assignmentMessage(t.job, assignment, peers)
            : { type: 'cancel', assignmentId: assignment.assignmentId, jobId: t.job.jobId, reason: assignment.stopReason ?? 'stopped' },
      });
      t.updateAssignment(assignment.assignmentId, { lastSentAt: now.toISOString() });
    }
  }
  return t.outcome();
};
