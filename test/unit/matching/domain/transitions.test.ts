import { describe, expect, it } from 'vitest';
import { assignmentIdFor, type Assignment, type Job } from '#matching/domain/job.ts';
import type { CancelMessage, HostMessage } from '#matching/domain/messages.ts';
import { onBalanceLow, onFundsExhausted, onFundsHeld, onFundsRefused } from '#matching/domain/funding-transitions.ts';
import { onAgentEvent, onCancel, onHostLost, onHostUnreachable, onPlaced, onSweep, onUnplaceable, type AgentEventResult, type AgentEventType } from '#matching/domain/transitions.ts';
import { isNoop, unchanged, type Outcome } from '#matching/domain/outcome.ts';
import { microUsd } from '#platform/money.ts';
import { at, T0 } from '#test/support/factories.ts';
import { aFundedJob, aJob, aJobSpec, anAssignment, aPlacedHost, iso, JOB_ID, settings } from '#test/support/matching-factories.ts';

// Defaults: queue timeout 24 h, accept timeout 120 s, stop grace 30 s, resend after 30 s, 3 placements not accepted.
const SETTINGS = settings();

const idOf = (attempt: number, rank: number) => assignmentIdFor(JOB_ID, attempt, rank);

/** Every effect of an outcome, reduced to what a test states: messages in full, assignments by id, timeline by type. */
const effectsOf = (outcome: Outcome) => ({
  send: outcome.send,
  reserve: outcome.reserve.map((a) => a.assignmentId),
  release: outcome.release.map((a) => a.assignmentId),
  scheduled: outcome.scheduled.map((a) => a.assignmentId),
  started: outcome.started.map((a) => a.assignmentId),
  ended: outcome.ended.map((a) => a.assignmentId),
  timeline: outcome.timeline.map((entry) => entry.type),
  jobEnded: outcome.jobEnded,
});
const NO_EFFECTS = { send: [], reserve: [], release: [], scheduled: [], started: [], ended: [], timeline: [], jobEnded: undefined };

const cancel = (hostId: string, assignmentId: string, reason: string): HostMessage => ({
  hostId,
  message: { type: 'cancel', assignmentId, jobId: JOB_ID, reason } satisfies CancelMessage,
});

const assignmentOf = (job: Job, assignmentId: string): Assignment => {
  const found = job.assignments.find((a) => a.assignmentId === assignmentId);
  if (!found) throw new Error(`no ${assignmentId} on the job`);
  return found;
};

const applied = (result: AgentEventResult): Outcome => {
  if (result.kind !== 'applied') throw new Error('the event was refused as withdrawn');
  return result.outcome;
};

const agentEvent = (job: Job, assignmentId: string, type: AgentEventType, now: Date, extra: { exitCode?: number; message?: string } = {}) =>
  onAgentEvent(job, assignmentId, { type, ...extra }, now);

// A job placed at T0 on host_<rank>, accepted at T0+5 and started at T0+10.
const offered = (rank = 0, overrides: Partial<Assignment> = {}) => anAssignment({ rank, ...overrides });
const accepted = (rank = 0, overrides: Partial<Assignment> = {}) => anAssignment({ rank, state: 'accepted', acceptedAt: iso(T0, 5), ...overrides });
const running = (rank = 0, overrides: Partial<Assignment> = {}) =>
  anAssignment({ rank, state: 'running', acceptedAt: iso(T0, 5), startedAt: iso(T0, 10), ...overrides });
const stopping = (rank = 0, stopAt: number, overrides: Partial<Assignment> = {}) =>
  running(rank, { state: 'stopping', stopRequestedAt: iso(T0, stopAt), stopReason: 'cancelled', lastSentAt: iso(T0, stopAt), ...overrides });

const scheduledJob = (assignments: Assignment[], overrides: Partial<Job> = {}) =>
  aFundedJob({ status: 'scheduled', statusReason: 'waiting for the host to accept', scheduledAt: iso(T0), assignments, ...overrides });
const runningJob = (assignments: Assignment[], overrides: Partial<Job> = {}) =>
  aFundedJob({ status: 'running', statusReason: null, scheduledAt: iso(T0), startedAt: iso(T0, 10), assignments, ...overrides });
const cancelledJob = (assignments: Assignment[], cancelAt: number) =>
  runningJob(assignments, { status: 'cancelled', statusReason: null, endedAt: iso(T0, cancelAt) });

describe('unchanged / isNoop', () => {
  it('says an unchanged outcome is a no-op', () => {
    const job = aJob();

    expect(isNoop(unchanged(job), job)).toBe(true);
  });

  it('says an outcome with a timeline note is not a no-op, though the job is the same', () => {
    const job = runningJob([running(0)]);

    const outcome = onHostUnreachable(job, 'host_0', at(T0, 100));

    expect(outcome.job).toBe(job);
    expect(isNoop(outcome, job)).toBe(false);
  });

  it('says an outcome with a changed job is not a no-op', () => {
    const job = aJob();

    expect(isNoop(onFundsHeld(job, T0), job)).toBe(false);
  });
});

describe('onFundsHeld', () => {
  it('makes a queued job placeable and notes the hold', () => {
    const job = aJob();
    const now = at(T0, 2);

    const outcome = onFundsHeld(job, now);

    expect(outcome.job).toEqual({ ...job, fundsHeld: true, statusReason: 'waiting for capacity' });
    expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'funds_held', message: 'funds held: 0.900000 USD' }]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['funds_held'] });
  });

  it('does nothing the second time', () => {
    const job = onFundsHeld(aJob(), at(T0, 2)).job;

    const outcome = onFundsHeld(job, at(T0, 3));

    expect(isNoop(outcome, job)).toBe(true);
  });

  it('does nothing for a job that is no longer queued', () => {
    const job = aJob({ status: 'cancelled', endedAt: iso(T0, 1), statusReason: null });

    expect(isNoop(onFundsHeld(job, at(T0, 2)), job)).toBe(true);
  });
});

describe('onFundsRefused', () => {
  it('fails a queued job with insufficient_funds and ends it', () => {
    const job = aJob();
    const now = at(T0, 2);

    const outcome = onFundsRefused(job, now, 100_000);

    expect(outcome.job).toEqual({ ...job, status: 'failed', statusReason: 'insufficient_funds', endedAt: now.toISOString() });
    expect(outcome.timeline).toEqual([
      {
        at: now.toISOString(),
        type: 'failed',
        message: 'the balance could not cover the hold of 0.900000 USD (available 0.100000)',
        data: { reason: 'insufficient_funds' },
      },
    ]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['failed'], jobEnded: { status: 'failed', reason: 'insufficient_funds' } });
  });

  it('does nothing for a job that is no longer queued', () => {
    const job = aJob({ status: 'cancelled', endedAt: iso(T0, 1), statusReason: null });

    expect(isNoop(onFundsRefused(job, at(T0, 2), 0), job)).toBe(true);
  });
});

describe('onPlaced', () => {
  it('schedules a funded job with one offered assignment and sends it to the host', () => {
    const job = aFundedJob();
    const now = at(T0, 3);
    const host = aPlacedHost({ hostId: 'host_a', gpuIndices: [2, 3], gpuModel: 'RTX 4090', pricePerGpuHour: microUsd(450_000) });

    const outcome = onPlaced(job, [host], now);

    const assignment: Assignment = {
      assignmentId: idOf(1, 0),
      attempt: 1,
      hostId: 'host_a',
      providerId: 'acct_provider000001',
      rank: 0,
      gpuIndices: [2, 3],
      gpuModel: 'RTX 4090',
      pricePerGpuHour: microUsd(450_000),
      region: 'eu-west',
      state: 'offered',
      offeredAt: now.toISOString(),
      lastSentAt: now.toISOString(),
    };
    expect(outcome.job).toEqual({
      ...job,
      status: 'scheduled',
      statusReason: 'waiting for the host to accept',
      scheduledAt: now.toISOString(),
      assignments: [assignment],
    });
    expect(outcome.send).toEqual([
      {
        hostId: 'host_a',
        message: {
          type: 'assignment',
          assignmentId: idOf(1, 0),
          jobId: JOB_ID,
          image: 'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
          command: ['python', 'train.py'],
          env: { EPOCHS: '3' },
          gpuIndices: [2, 3],
          maxDurationSeconds: 3600,
          rank: 0,
          worldSize: 1,
          peers: [{ rank: 0, hostId: 'host_a' }],
        },
      },
    ]);
    expect(outcome.reserve).toEqual([assignment]);
    expect(outcome.scheduled).toEqual([assignment]);
    expect(outcome.timeline).toEqual([
      {
        at: now.toISOString(),
        type: 'placed',
        message: 'placed on host_a: 2x RTX 4090 at 0.450000/GPU-hour',
        data: { assignmentId: idOf(1, 0), hostId: 'host_a', rank: 0 },
      },
    ]);
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: outcome.send,
      reserve: [idOf(1, 0)],
      scheduled: [idOf(1, 0)],
      timeline: ['placed'],
    });
  });

  it('gives each host of a gang its rank, the world size and every peer’s address', () => {
    const job = aFundedJob({ spec: aJobSpec({ hosts: 2, gpu: { count: 8 } }) });
    const hosts = [
      aPlacedHost({ hostId: 'host_x', publicAddress: '203.0.113.1', gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7] }),
      aPlacedHost({ hostId: 'host_y', publicAddress: '203.0.113.2', gpuIndices: [0, 1, 2, 3, 4, 5, 6, 7] }),
    ];

    const outcome = onPlaced(job, hosts, at(T0, 3));

    const peers = [
      { rank: 0, hostId: 'host_x', address: '203.0.113.1' },
      { rank: 1, hostId: 'host_y', address: '203.0.113.2' },
    ];
    expect(outcome.send.map(({ hostId, message }) => ({ hostId, ...message }))).toMatchObject([
      { hostId: 'host_x', type: 'assignment', assignmentId: idOf(1, 0), rank: 0, worldSize: 2, peers },
      { hostId: 'host_y', type: 'assignment', assignmentId: idOf(1, 1), rank: 1, worldSize: 2, peers },
    ]);
    expect(outcome.job.assignments.map((a) => [a.assignmentId, a.hostId, a.rank, a.publicAddress])).toEqual([
      [idOf(1, 0), 'host_x', 0, '203.0.113.1'],
      [idOf(1, 1), 'host_y', 1, '203.0.113.2'],
    ]);
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: outcome.send,
      reserve: [idOf(1, 0), idOf(1, 1)],
      scheduled: [idOf(1, 0), idOf(1, 1)],
      timeline: ['placed', 'placed'],
    });
  });

  it('sends no image for a process job', () => {
    const { image: _image, ...spec } = aJobSpec({ command: ['python', 'train.py'] });
    const job = aFundedJob({ spec });

    const outcome = onPlaced(job, [aPlacedHost()], at(T0, 3));

    expect(outcome.send[0]?.message).not.toHaveProperty('image');
    expect(outcome.send[0]?.message).toMatchObject({ command: ['python', 'train.py'] });
  });

  it('sends no command for an image-only job', () => {
    const { command: _command, ...spec } = aJobSpec({ image: 'ghcr.io/acme/train:1.2' });
    const job = aFundedJob({ spec });

    const outcome = onPlaced(job, [aPlacedHost()], at(T0, 3));

    expect(outcome.send[0]?.message).not.toHaveProperty('command');
    expect(outcome.send[0]?.message).toMatchObject({ image: 'ghcr.io/acme/train:1.2' });
  });

  it('numbers a re-queued job’s new assignments by its attempt and keeps the old ones', () => {
    const old = anAssignment({ attempt: 1, rank: 0, hostId: 'host_old', state: 'lost', endedAt: iso(T0, 60), endReason: 'host_lost' });
    const job = aFundedJob({ attempt: 2, restarts: 1, assignments: [old] });

    const outcome = onPlaced(job, [aPlacedHost({ hostId: 'host_new' })], at(T0, 100));

    expect(outcome.job.assignments.map((a) => [a.assignmentId, a.attempt, a.state])).toEqual([
      [idOf(1, 0), 1, 'lost'],
      [idOf(2, 0), 2, 'offered'],
    ]);
    expect(outcome.send).toMatchObject([{ hostId: 'host_new', message: { assignmentId: idOf(2, 0), worldSize: 1, peers: [{ rank: 0, hostId: 'host_new' }] } }]);
  });

  it('does nothing for a job whose funds are not held yet', () => {
    const job = aJob();

    expect(isNoop(onPlaced(job, [aPlacedHost()], at(T0, 3)), job)).toBe(true);
  });

  it('does nothing for a job that is already scheduled', () => {
    const job = scheduledJob([offered(0)]);

    expect(isNoop(onPlaced(job, [aPlacedHost({ hostId: 'host_other' })], at(T0, 3)), job)).toBe(true);
  });
});

describe('onUnplaceable', () => {
  it('keeps the job queued and notes the new reason', () => {
    const job = aFundedJob();
    const now = at(T0, 3);
    const reason = 'no online host offers 1x GPU under 0.900000/GPU-hour (docker)';

    const outcome = onUnplaceable(job, reason, now);

    expect(outcome.job).toEqual({ ...job, statusReason: reason });
    expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'queued', message: reason }]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['queued'] });
  });

  it('notes the same reason only once', () => {
    const reason = 'no online host offers 1x GPU under 0.900000/GPU-hour (docker)';
    const job = onUnplaceable(aFundedJob(), reason, at(T0, 3)).job;

    const outcome = onUnplaceable(job, reason, at(T0, 60));

    expect(isNoop(outcome, job)).toBe(true);
  });

  it('notes a reason that changed', () => {
    const job = onUnplaceable(aFundedJob(), 'reason one', at(T0, 3)).job;

    const outcome = onUnplaceable(job, 'reason two', at(T0, 60));

    expect(outcome.job.statusReason).toBe('reason two');
    expect(outcome.timeline.map((entry) => entry.message)).toEqual(['reason two']);
  });

  it('leaves a job waiting for funds with that reason', () => {
    const job = aJob();

    expect(isNoop(onUnplaceable(job, 'no capacity', at(T0, 3)), job)).toBe(true);
  });

  it('does nothing for a scheduled job', () => {
    const job = scheduledJob([offered(0)]);

    expect(isNoop(onUnplaceable(job, 'no capacity', at(T0, 3)), job)).toBe(true);
  });
});

describe('onAgentEvent', () => {
  describe('accepted', () => {
    it('accepts an offered assignment at the platform’s time and says the job is starting', () => {
      const job = scheduledJob([offered(0)]);
      const now = at(T0, 5);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'accepted', now));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'accepted', acceptedAt: now.toISOString() });
      expect(outcome.job).toMatchObject({ status: 'scheduled', statusReason: 'starting' });
      expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'accepted', message: 'host_0 accepted rank 0', data: { assignmentId: idOf(1, 0) } }]);
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['accepted'] });
    });

    it('keeps waiting while another rank of the gang has not accepted', () => {
      const job = scheduledJob([offered(0), offered(1)]);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'accepted', at(T0, 5)));

      expect(outcome.job.statusReason).toBe('waiting for the host to accept');
    });

    it.each([
      ['accepted', accepted(0)],
      ['running', running(0)],
    ])('answers again without changing anything when the assignment is %s', (_, assignment) => {
      const job = scheduledJob([assignment]);

      const result = agentEvent(job, idOf(1, 0), 'accepted', at(T0, 20));

      expect(result.kind).toBe('applied');
      expect(isNoop(applied(result), job)).toBe(true);
    });

    it.each([
      ['withdrawn', offered(0, { state: 'withdrawn', endedAt: iso(T0, 130), endReason: 'not accepted' })],
      ['stopping', stopping(0, 30)],
      ['exited', running(0, { state: 'exited', endedAt: iso(T0, 60), exitCode: 0 })],
      ['lost', running(0, { state: 'lost', endedAt: iso(T0, 60) })],
    ])('refuses an assignment that is %s as withdrawn', (_, assignment) => {
      const job = scheduledJob([assignment]);

      expect(agentEvent(job, idOf(1, 0), 'accepted', at(T0, 200))).toEqual({ kind: 'withdrawn' });
    });

    it('refuses an offered assignment of a job that already ended', () => {
      const job = scheduledJob([offered(0)], { status: 'cancelled', statusReason: null, endedAt: iso(T0, 2) });

      expect(agentEvent(job, idOf(1, 0), 'accepted', at(T0, 5))).toEqual({ kind: 'withdrawn' });
    });

    it('refuses an assignment the job does not have', () => {
      const job = scheduledJob([offered(0)]);

      expect(agentEvent(job, idOf(1, 7), 'accepted', at(T0, 5))).toEqual({ kind: 'withdrawn' });
    });
  });

  describe('started', () => {
    it('starts the lease at the platform’s receipt time and makes the job running', () => {
      const job = scheduledJob([accepted(0)], { statusReason: 'starting' });
      const now = at(T0, 10);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'started', now));

      const started = assignmentOf(outcome.job, idOf(1, 0));
      expect(started).toMatchObject({ state: 'running', startedAt: now.toISOString(), acceptedAt: iso(T0, 5) });
      expect(outcome.job).toMatchObject({ status: 'running', statusReason: null, startedAt: now.toISOString() });
      expect(outcome.started).toEqual([started]);
      expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'started', message: 'rank 0 started on host_0', data: { assignmentId: idOf(1, 0) } }]);
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, started: [idOf(1, 0)], timeline: ['started'] });
    });

    it('takes a start whose accept never arrived as the accept too', () => {
      const job = scheduledJob([offered(0)]);
      const now = at(T0, 10);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'started', now));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'running', acceptedAt: now.toISOString(), startedAt: now.toISOString() });
    });

    it('keeps the job’s start when a later rank starts', () => {
      const job = runningJob([running(0), accepted(1)]);

      const outcome = applied(agentEvent(job, idOf(1, 1), 'started', at(T0, 40)));

      expect(outcome.job).toMatchObject({ status: 'running', startedAt: iso(T0, 10) });
      expect(assignmentOf(outcome.job, idOf(1, 1)).startedAt).toBe(iso(T0, 40));
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, started: [idOf(1, 1)], timeline: ['started'] });
    });

    it('does not move the lease start when the event is sent again', () => {
      const job = runningJob([running(0)]);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'started', at(T0, 50)));

      expect(isNoop(outcome, job)).toBe(true);
      expect(outcome.started).toEqual([]);
    });

    it('ignores an assignment that already ended', () => {
      const job = runningJob([running(0), running(1, { state: 'exited', exitCode: 0, endedAt: iso(T0, 60) })]);

      expect(isNoop(applied(agentEvent(job, idOf(1, 1), 'started', at(T0, 70))), job)).toBe(true);
    });

    it('starts the lease of an assignment being stopped, leaving it stopping and the cancelled job cancelled', () => {
      const job = cancelledJob([accepted(0, { state: 'stopping', stopRequestedAt: iso(T0, 8), stopReason: 'cancelled', lastSentAt: iso(T0, 8) })], 8);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'started', at(T0, 12)));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'stopping', startedAt: iso(T0, 12) });
      expect(outcome.job.status).toBe('cancelled');
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, started: [idOf(1, 0)], timeline: ['started'] });
    });

    it('does not make a re-placed job running when a rank of its old attempt starts', () => {
      // Rank 1 could not start: the job is re-queued (rank 0 is told to stop) and placed again on other hosts.
      const failed = applied(agentEvent(scheduledJob([accepted(0), accepted(1)]), idOf(1, 1), 'failed', at(T0, 20))).job;
      const job = onPlaced(failed, [aPlacedHost({ hostId: 'host_x' }), aPlacedHost({ hostId: 'host_y' })], at(T0, 25)).job;
      expect(job).toMatchObject({ status: 'scheduled', attempt: 2 });

      // Attempt 1's rank 0 had not seen its cancel yet, and reports its start.
      const outcome = applied(agentEvent(job, idOf(1, 0), 'started', at(T0, 30)));

      expect(outcome.job).toMatchObject({ status: 'scheduled', statusReason: 'waiting for the host to accept' });
      expect(outcome.job.startedAt).toBeUndefined();
    });
  });

  describe('exited', () => {
    it('succeeds a single-host job that exited 0 and frees its GPUs', () => {
      const job = runningJob([running(0)]);
      const now = at(T0, 600);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'exited', now, { exitCode: 0 }));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'exited', endedAt: now.toISOString(), endReason: 'exited', exitCode: 0 });
      expect(outcome.job).toMatchObject({ status: 'succeeded', statusReason: null, endedAt: now.toISOString() });
      expect(outcome.timeline).toEqual([
        { at: now.toISOString(), type: 'exited', message: 'rank 0 exited with code 0', data: { assignmentId: idOf(1, 0), exitCode: 0 } },
        { at: now.toISOString(), type: 'succeeded', message: 'succeeded: every rank exited 0' },
      ]);
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        release: [idOf(1, 0)],
        ended: [idOf(1, 0)],
        timeline: ['exited', 'succeeded'],
        jobEnded: { status: 'succeeded' },
      });
    });

    it('reads a missing exit code as 0', () => {
      const job = runningJob([running(0)]);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'exited', at(T0, 600)));

      expect(outcome.job.status).toBe('succeeded');
      expect(assignmentOf(outcome.job, idOf(1, 0)).exitCode).toBe(0);
    });

    it('waits for every rank of a gang to exit 0 before it succeeds', () => {
      const job = runningJob([running(0), running(1)]);

      const first = applied(agentEvent(job, idOf(1, 0), 'exited', at(T0, 600), { exitCode: 0 }));
      const second = applied(agentEvent(first.job, idOf(1, 1), 'exited', at(T0, 605), { exitCode: 0 }));

      expect(first.job.status).toBe('running');
      expect(effectsOf(first)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['exited'] });
      expect(second.job).toMatchObject({ status: 'succeeded', endedAt: iso(T0, 605) });
      expect(effectsOf(second)).toEqual({
        ...NO_EFFECTS,
        release: [idOf(1, 1)],
        ended: [idOf(1, 1)],
        timeline: ['exited', 'succeeded'],
        jobEnded: { status: 'succeeded' },
      });
    });

    it('fails the job on the first non-zero code and stops the other ranks', () => {
      const job = runningJob([running(0), running(1)]);
      const now = at(T0, 300);

      const outcome = applied(agentEvent(job, idOf(1, 1), 'exited', now, { exitCode: 3 }));

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'exit_code', endedAt: now.toISOString() });
      expect(assignmentOf(outcome.job, idOf(1, 1))).toMatchObject({ state: 'exited', exitCode: 3, endReason: 'exit_code', endedAt: now.toISOString() });
      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({
        state: 'stopping',
        stopRequestedAt: now.toISOString(),
        stopReason: 'exit_code',
        lastSentAt: now.toISOString(),
      });
      expect(outcome.timeline.at(-1)).toEqual({ at: now.toISOString(), type: 'failed', message: 'failed: rank 1 exited with code 3', data: { reason: 'exit_code' } });
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_0', idOf(1, 0), 'exit_code')],
        release: [idOf(1, 1)],
        ended: [idOf(1, 1)],
        timeline: ['exited', 'failed'],
        jobEnded: { status: 'failed', reason: 'exit_code' },
      });
    });

    it('withdraws a rank that never accepted when another fails, telling its host too', () => {
      const job = runningJob([running(0), offered(1)]);
      const now = at(T0, 300);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'exited', now, { exitCode: 1 }));

      expect(assignmentOf(outcome.job, idOf(1, 1))).toMatchObject({ state: 'withdrawn', endedAt: now.toISOString(), endReason: 'exit_code' });
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_1', idOf(1, 1), 'exit_code')],
        release: [idOf(1, 0), idOf(1, 1)],
        ended: [idOf(1, 0), idOf(1, 1)],
        timeline: ['exited', 'failed'],
        jobEnded: { status: 'failed', reason: 'exit_code' },
      });
    });

    it('keeps the first failure when a stopped rank exits non-zero later', () => {
      const job = runningJob([running(0, { state: 'exited', exitCode: 3, endedAt: iso(T0, 300) }), stopping(1, 300, { stopReason: 'exit_code' })], {
        status: 'failed',
        statusReason: 'exit_code',
        endedAt: iso(T0, 300),
      });

      const outcome = applied(agentEvent(job, idOf(1, 1), 'exited', at(T0, 310), { exitCode: 137 }));

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'exit_code', endedAt: iso(T0, 300) });
      expect(assignmentOf(outcome.job, idOf(1, 1))).toMatchObject({ state: 'exited', exitCode: 137, endedAt: iso(T0, 310) });
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 1)], ended: [idOf(1, 1)], timeline: ['exited'] });
    });

    it('ends an old attempt’s rank without touching the job', () => {
      const old = stopping(0, 100, { stopReason: 'host host_1 was lost' });
      const fresh = offered(0, { attempt: 2, hostId: 'host_new', offeredAt: iso(T0, 120), lastSentAt: iso(T0, 120) });
      const job = scheduledJob([old, fresh], { attempt: 2, restarts: 1 });

      const outcome = applied(agentEvent(job, idOf(1, 0), 'exited', at(T0, 130), { exitCode: 1 }));

      expect(outcome.job).toMatchObject({ status: 'scheduled', statusReason: 'waiting for the host to accept' });
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['exited'] });
    });

    it('ignores an exit for an assignment that already ended', () => {
      const job = runningJob([running(0, { state: 'exited', exitCode: 0, endedAt: iso(T0, 60) }), running(1)]);

      expect(isNoop(applied(agentEvent(job, idOf(1, 0), 'exited', at(T0, 70), { exitCode: 1 })), job)).toBe(true);
    });
  });

  describe('failed', () => {
    it('re-queues a job that could not start once, away from that host, under on-host-loss', () => {
      const job = scheduledJob([accepted(0)], { statusReason: 'starting' });
      const now = at(T0, 20);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'failed', now, { message: 'image pull failed' }));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'failed', endedAt: now.toISOString(), endReason: 'start_failed' });
      expect(outcome.job).toMatchObject({
        status: 'queued',
        statusReason: 'waiting for capacity (re-queued: the host could not start it)',
        attempt: 2,
        restarts: 1,
        notAccepted: 0,
        avoidHostIds: ['host_0'],
        fundsHeld: true,
      });
      expect(outcome.timeline).toEqual([
        {
          at: now.toISOString(),
          type: 'failed',
          message: 'rank 0 failed on host_0: image pull failed',
          data: { assignmentId: idOf(1, 0), reason: 'start_failed' },
        },
        { at: now.toISOString(), type: 'requeued', message: 're-queued: the host could not start it', data: { reason: 'the host could not start it' } },
      ]);
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['failed', 'requeued'] });
    });

    it('stops the gang’s other ranks when it re-queues', () => {
      const job = scheduledJob([accepted(0), accepted(1), offered(2)]);
      const now = at(T0, 20);

      const outcome = applied(agentEvent(job, idOf(1, 1), 'failed', now));

      expect(outcome.job.assignments.map((a) => [a.assignmentId, a.state])).toEqual([
        [idOf(1, 0), 'stopping'],
        [idOf(1, 1), 'failed'],
        [idOf(1, 2), 'withdrawn'],
      ]);
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_0', idOf(1, 0), 'the host could not start it'), cancel('host_2', idOf(1, 2), 'the host could not start it')],
        release: [idOf(1, 1), idOf(1, 2)],
        ended: [idOf(1, 1), idOf(1, 2)],
        timeline: ['failed', 'requeued'],
      });
    });

    it('fails the job with start_failed the second time it could not start', () => {
      const old = accepted(0, { state: 'failed', endedAt: iso(T0, 20), endReason: 'start_failed' });
      const job = scheduledJob([old, accepted(0, { attempt: 2, hostId: 'host_new' })], { attempt: 2, restarts: 1, avoidHostIds: ['host_0'] });
      const now = at(T0, 80);

      const outcome = applied(agentEvent(job, idOf(2, 0), 'failed', now));

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'start_failed', endedAt: now.toISOString(), attempt: 2, restarts: 1 });
      expect(outcome.timeline.at(-1)).toEqual({ at: now.toISOString(), type: 'failed', message: 'failed: the job could not start', data: { reason: 'start_failed' } });
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        release: [idOf(2, 0)],
        ended: [idOf(2, 0)],
        timeline: ['failed', 'failed'],
        jobEnded: { status: 'failed', reason: 'start_failed' },
      });
    });

    it('fails the job with start_failed at once under restartPolicy never', () => {
      const job = scheduledJob([accepted(0)], { spec: aJobSpec({ restartPolicy: 'never' }) });

      const outcome = applied(agentEvent(job, idOf(1, 0), 'failed', at(T0, 20)));

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'start_failed', attempt: 1, restarts: 0 });
      expect(outcome.jobEnded).toEqual({ status: 'failed', reason: 'start_failed' });
    });

    it('fails a job whose rank died after it started, keeping the exit code it gave', () => {
      const job = runningJob([running(0)]);
      const now = at(T0, 500);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'failed', now, { exitCode: 139 }));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'failed', endedAt: now.toISOString(), endReason: 'exit_code', exitCode: 139 });
      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'exit_code', attempt: 1, restarts: 0 });
      expect(outcome.timeline.at(-1)?.message).toBe('failed: rank 0 died with its agent');
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        release: [idOf(1, 0)],
        ended: [idOf(1, 0)],
        timeline: ['failed', 'failed'],
        jobEnded: { status: 'failed', reason: 'exit_code' },
      });
    });

    it('ends an old attempt’s rank without touching the job', () => {
      const old = accepted(0, { state: 'stopping', stopRequestedAt: iso(T0, 20), stopReason: 'the host could not start it', lastSentAt: iso(T0, 20) });
      const job = aFundedJob({ attempt: 2, restarts: 1, statusReason: 'waiting for capacity (re-queued: the host could not start it)', assignments: [old] });

      const outcome = applied(agentEvent(job, idOf(1, 0), 'failed', at(T0, 25)));

      expect(outcome.job).toMatchObject({ status: 'queued', attempt: 2, restarts: 1 });
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['failed'] });
    });

    it('ignores a failure of an assignment that already ended', () => {
      const job = runningJob([running(0, { state: 'stopped', endedAt: iso(T0, 60) })], { status: 'cancelled', endedAt: iso(T0, 50) });

      expect(isNoop(applied(agentEvent(job, idOf(1, 0), 'failed', at(T0, 70))), job)).toBe(true);
    });
  });

  describe('stopped', () => {
    it('ends a stopping assignment at the platform’s receipt time, with the stop’s reason', () => {
      const job = cancelledJob([stopping(0, 100)], 100);
      const now = at(T0, 104);

      const outcome = applied(agentEvent(job, idOf(1, 0), 'stopped', now));

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'stopped', endedAt: now.toISOString(), endReason: 'cancelled' });
      expect(outcome.job.status).toBe('cancelled');
      expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'stopped', message: 'rank 0 stopped on host_0', data: { assignmentId: idOf(1, 0) } }]);
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['stopped'] });
    });

    it('ignores a stop the sweep already recorded', () => {
      const job = cancelledJob([running(0, { state: 'stopped', endedAt: iso(T0, 130), endReason: 'cancelled (no stop confirmed within the grace)' })], 100);

      expect(isNoop(applied(agentEvent(job, idOf(1, 0), 'stopped', at(T0, 200))), job)).toBe(true);
    });
  });
});

describe('onCancel', () => {
  it('cancels a queued job at once', () => {
    const job = aFundedJob();
    const now = at(T0, 30);

    const outcome = onCancel(job, now);

    expect(outcome.job).toEqual({ ...job, status: 'cancelled', statusReason: null, endedAt: now.toISOString() });
    expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'cancelled', message: 'cancelled by the renter' }]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['cancelled'], jobEnded: { status: 'cancelled' } });
  });

  it('cancels a running job and tells each host to stop its rank', () => {
    const job = runningJob([running(0), running(1)]);
    const now = at(T0, 100);

    const outcome = onCancel(job, now);

    expect(outcome.job).toMatchObject({ status: 'cancelled', statusReason: null, endedAt: now.toISOString() });
    for (const rank of [0, 1]) {
      expect(assignmentOf(outcome.job, idOf(1, rank))).toMatchObject({
        state: 'stopping',
        stopRequestedAt: now.toISOString(),
        stopReason: 'cancelled',
        lastSentAt: now.toISOString(),
      });
    }
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: [cancel('host_0', idOf(1, 0), 'cancelled'), cancel('host_1', idOf(1, 1), 'cancelled')],
      timeline: ['cancelled'],
      jobEnded: { status: 'cancelled' },
    });
  });

  it('withdraws a scheduled job’s offered ranks at once', () => {
    const job = scheduledJob([offered(0), accepted(1)]);
    const now = at(T0, 4);

    const outcome = onCancel(job, now);

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'withdrawn', endedAt: now.toISOString(), endReason: 'cancelled' });
    expect(assignmentOf(outcome.job, idOf(1, 1)).state).toBe('stopping');
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: [cancel('host_0', idOf(1, 0), 'cancelled'), cancel('host_1', idOf(1, 1), 'cancelled')],
      release: [idOf(1, 0)],
      ended: [idOf(1, 0)],
      timeline: ['cancelled'],
      jobEnded: { status: 'cancelled' },
    });
  });

  it('does nothing to a job that already ended', () => {
    const job = cancelledJob([stopping(0, 100)], 100);

    expect(isNoop(onCancel(job, at(T0, 110)), job)).toBe(true);
  });

  it('ends the lease when the agent confirms the stop', () => {
    const cancelled = onCancel(runningJob([running(0)]), at(T0, 100)).job;

    const outcome = applied(agentEvent(cancelled, idOf(1, 0), 'stopped', at(T0, 103)));

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'stopped', endedAt: iso(T0, 103), endReason: 'cancelled' });
  });

  it('ends the lease at the stop request plus the grace when the agent never confirms, however late the sweep runs', () => {
    const cancelled = onCancel(runningJob([running(0)]), at(T0, 100)).job;

    const outcome = onSweep(cancelled, at(T0, 1_000), SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({
      state: 'stopped',
      endedAt: iso(T0, 130),
      endReason: 'cancelled (no stop confirmed within the grace)',
    });
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)] });
  });
});

describe('onHostLost', () => {
  it('ends a running rank where the host was last seen, not now, and re-queues the job once away from it', () => {
    const job = runningJob([running(0)]);
    const now = at(T0, 1_000);

    const outcome = onHostLost(job, 'host_0', iso(T0, 380), now, SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'lost', endedAt: iso(T0, 380), endReason: 'host_lost' });
    expect(outcome.job).toMatchObject({
      status: 'queued',
      statusReason: 'waiting for capacity (re-queued: host host_0 was lost)',
      attempt: 2,
      restarts: 1,
      avoidHostIds: ['host_0'],
    });
    expect(outcome.timeline).toEqual([
      { at: now.toISOString(), type: 'host_lost', message: 'host host_0 went offline', data: { hostId: 'host_0' } },
      { at: now.toISOString(), type: 'requeued', message: 're-queued: host host_0 was lost', data: { reason: 'host host_0 was lost' } },
    ]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['host_lost', 'requeued'] });
  });

  it('adds the lost host to those the job already avoids', () => {
    const job = runningJob([running(0, { attempt: 2, hostId: 'host_b' })], { attempt: 2, notAccepted: 1, avoidHostIds: ['host_a'] });

    const outcome = onHostLost(job, 'host_b', iso(T0, 300), at(T0, 900), SETTINGS);

    expect(outcome.job).toMatchObject({ attempt: 3, restarts: 1, notAccepted: 1, avoidHostIds: ['host_a', 'host_b'] });
  });

  it('stops the gang’s other ranks when it re-queues', () => {
    const job = runningJob([running(0), running(1)]);
    const now = at(T0, 1_000);

    const outcome = onHostLost(job, 'host_1', iso(T0, 380), now, SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'stopping', stopRequestedAt: now.toISOString(), stopReason: 'host host_1 was lost' });
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: [cancel('host_0', idOf(1, 0), 'host host_1 was lost')],
      release: [idOf(1, 1)],
      ended: [idOf(1, 1)],
      timeline: ['host_lost', 'requeued'],
    });
  });

  it('fails the job with host_lost the second time', () => {
    const old = running(0, { state: 'lost', endedAt: iso(T0, 380), endReason: 'host_lost' });
    const job = runningJob([old, running(0, { attempt: 2, hostId: 'host_b' })], { attempt: 2, restarts: 1, avoidHostIds: ['host_0'] });
    const now = at(T0, 2_000);

    const outcome = onHostLost(job, 'host_b', iso(T0, 1_500), now, SETTINGS);

    expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'host_lost', endedAt: now.toISOString(), attempt: 2 });
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      release: [idOf(2, 0)],
      ended: [idOf(2, 0)],
      timeline: ['host_lost', 'failed'],
      jobEnded: { status: 'failed', reason: 'host_lost' },
    });
  });

  it('fails the job with host_lost at once under restartPolicy never', () => {
    const job = runningJob([running(0)], { spec: aJobSpec({ restartPolicy: 'never' }) });

    const outcome = onHostLost(job, 'host_0', iso(T0, 380), at(T0, 1_000), SETTINGS);

    expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'host_lost', attempt: 1, restarts: 0 });
    expect(outcome.jobEnded).toEqual({ status: 'failed', reason: 'host_lost' });
  });

  it('never ends a lease before it started', () => {
    const job = runningJob([running(0, { startedAt: iso(T0, 400) })]);

    const outcome = onHostLost(job, 'host_0', iso(T0, 380), at(T0, 1_000), SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0)).endedAt).toBe(iso(T0, 400));
  });

  it('ends a stopping rank at its stop request plus the grace when the host was seen after that', () => {
    const job = cancelledJob([stopping(0, 100)], 100);

    const outcome = onHostLost(job, 'host_0', iso(T0, 500), at(T0, 1_200), SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'lost', endedAt: iso(T0, 130), endReason: 'host_lost' });
    expect(outcome.job).toMatchObject({ status: 'cancelled', attempt: 1 });
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['host_lost'] });
  });

  it('ends a stopping rank where the host was last seen when that was within the grace', () => {
    const job = cancelledJob([stopping(0, 100)], 100);

    const outcome = onHostLost(job, 'host_0', iso(T0, 110), at(T0, 1_200), SETTINGS);

    expect(assignmentOf(outcome.job, idOf(1, 0)).endedAt).toBe(iso(T0, 110));
  });

  it('ends an old attempt’s rank without re-queueing the job again', () => {
    const old = stopping(0, 100, { stopReason: 'the host could not start it' });
    const fresh = running(0, { attempt: 2, hostId: 'host_new' });
    const job = runningJob([old, fresh], { attempt: 2, restarts: 1 });

    const outcome = onHostLost(job, 'host_0', iso(T0, 105), at(T0, 800), SETTINGS);

    expect(outcome.job).toMatchObject({ status: 'running', attempt: 2, restarts: 1 });
    expect(assignmentOf(outcome.job, idOf(2, 0)).state).toBe('running');
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)], timeline: ['host_lost'] });
  });

  it('does nothing when the job has no live work on the host', () => {
    const job = runningJob([running(0)]);

    expect(isNoop(onHostLost(job, 'host_elsewhere', iso(T0, 300), at(T0, 900), SETTINGS), job)).toBe(true);
  });
});

describe('onHostUnreachable', () => {
  it('only notes it on the timeline: nothing stops, nothing ends', () => {
    const job = runningJob([running(0)]);
    const now = at(T0, 200);

    const outcome = onHostUnreachable(job, 'host_0', now);

    expect(outcome.job).toBe(job);
    expect(outcome.timeline).toEqual([
      { at: now.toISOString(), type: 'host_unreachable', message: 'host host_0 is not answering; its work is kept while it may come back', data: { hostId: 'host_0' } },
    ]);
    expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['host_unreachable'] });
  });

  it('does nothing when the job has no current live work on the host', () => {
    const old = stopping(0, 100);
    const job = runningJob([old, running(0, { attempt: 2, hostId: 'host_new' })], { attempt: 2, restarts: 1 });

    expect(isNoop(onHostUnreachable(job, 'host_0', at(T0, 200)), job)).toBe(true);
  });
});

describe('onSweep', () => {
  describe('queue timeout', () => {
    it('expires a job still queued at the queue timeout', () => {
      const job = aFundedJob();
      const now = at(T0, 24 * 3600);

      const outcome = onSweep(job, now, SETTINGS);

      expect(outcome.job).toMatchObject({ status: 'expired', statusReason: 'expired', endedAt: now.toISOString() });
      expect(outcome.timeline).toEqual([{ at: now.toISOString(), type: 'expired', message: 'expired: not placed within 86400 s', data: { reason: 'expired' } }]);
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, timeline: ['expired'], jobEnded: { status: 'expired', reason: 'expired' } });
    });

    it('expires a job that waited for funds as long', () => {
      const job = aJob();

      expect(onSweep(job, at(T0, 24 * 3600), SETTINGS).job.status).toBe('expired');
    });

    it('leaves a job queued for less than the timeout', () => {
      const job = aFundedJob();

      expect(isNoop(onSweep(job, at(T0, 24 * 3600 - 1), SETTINGS), job)).toBe(true);
    });

    it('counts a re-queued job’s time in the queue from when it was re-queued, not from its submission', () => {
      // Ran for 24 h of its 48, lost its host, re-queued 60 s ago: it has not waited 24 h in the queue.
      const job = onHostLost(runningJob([running(0)], { spec: aJobSpec({ maxDurationSeconds: 48 * 3600 }) }), 'host_0', iso(T0, 24 * 3600 - 30), at(T0, 24 * 3600), SETTINGS).job;
      expect(job).toMatchObject({ status: 'queued', attempt: 2 });

      const outcome = onSweep(job, at(T0, 24 * 3600 + 60), SETTINGS);

      expect(outcome.job.status).toBe('queued');
    });
  });

  describe('accept timeout', () => {
    it('re-queues a job whose host did not accept in time, counts it and avoids that host', () => {
      const job = scheduledJob([offered(0), accepted(1)]);
      const now = at(T0, 120);

      const outcome = onSweep(job, now, SETTINGS);

      expect(outcome.job).toMatchObject({
        status: 'queued',
        statusReason: 'waiting for capacity (re-queued: host_0 did not accept in time)',
        attempt: 2,
        notAccepted: 1,
        restarts: 0,
        avoidHostIds: ['host_0'],
      });
      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'withdrawn', endedAt: now.toISOString() });
      expect(assignmentOf(outcome.job, idOf(1, 1))).toMatchObject({ state: 'stopping', stopRequestedAt: now.toISOString() });
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_0', idOf(1, 0), 'host_0 did not accept in time'), cancel('host_1', idOf(1, 1), 'host_0 did not accept in time')],
        release: [idOf(1, 0)],
        ended: [idOf(1, 0)],
        timeline: ['requeued'],
      });
    });

    it('waits for the accept until the timeout', () => {
      const job = scheduledJob([offered(0, { lastSentAt: iso(T0, 90) })]);

      expect(isNoop(onSweep(job, at(T0, 119), SETTINGS), job)).toBe(true);
    });

    it('fails the job with not_accepted at the last placement allowed', () => {
      const job = scheduledJob([offered(0, { attempt: 3 })], { attempt: 3, notAccepted: 2, avoidHostIds: ['host_a', 'host_b'] });
      const now = at(T0, 120);

      const outcome = onSweep(job, now, SETTINGS);

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'not_accepted', attempt: 3, notAccepted: 2 });
      expect(outcome.timeline.at(-1)?.message).toBe('failed: no host accepted it after 3 placements');
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_0', idOf(3, 0), 'not_accepted')],
        release: [idOf(3, 0)],
        ended: [idOf(3, 0)],
        timeline: ['failed'],
        jobEnded: { status: 'failed', reason: 'not_accepted' },
      });
    });
  });

  describe('max duration', () => {
    it('fails a job running past its max duration, counted from its start, and stops its ranks', () => {
      const job = runningJob([running(0), running(1)]);
      const now = at(T0, 10 + 3600);

      const outcome = onSweep(job, now, SETTINGS);

      expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'max_duration_exceeded', endedAt: now.toISOString() });
      expect(outcome.job.assignments.map((a) => [a.state, a.stopRequestedAt])).toEqual([
        ['stopping', now.toISOString()],
        ['stopping', now.toISOString()],
      ]);
      expect(outcome.timeline.at(-1)?.message).toBe('failed: ran past its max duration of 3600 s');
      expect(effectsOf(outcome)).toEqual({
        ...NO_EFFECTS,
        send: [cancel('host_0', idOf(1, 0), 'max_duration_exceeded'), cancel('host_1', idOf(1, 1), 'max_duration_exceeded')],
        timeline: ['failed'],
        jobEnded: { status: 'failed', reason: 'max_duration_exceeded' },
      });
    });

    it('lets a job run until its max duration', () => {
      const job = runningJob([running(0)]);

      expect(isNoop(onSweep(job, at(T0, 10 + 3599), SETTINGS), job)).toBe(true);
    });

    it('does not fail a re-placed job for max duration before its new attempt has started', () => {
      // Attempt 1 started at T0+10 and its host was lost at T0+3000 (ran 2980 s); attempt 2 is offered at T0+3600.
      const requeued = onHostLost(runningJob([running(0)]), 'host_0', iso(T0, 2_990), at(T0, 3_000), SETTINGS).job;
      const job = onPlaced(requeued, [aPlacedHost({ hostId: 'host_new' })], at(T0, 3_600)).job;
      expect(job).toMatchObject({ status: 'scheduled', attempt: 2 });

      // Within the accept timeout and the resend interval: the sweep has nothing to do.
      const outcome = onSweep(job, at(T0, 3_620), SETTINGS);

      expect(outcome.job.status).toBe('scheduled');
      expect(outcome.jobEnded).toBeUndefined();
    });
  });

  describe('stop grace', () => {
    it('ends a rank whose stop was not confirmed at the stop request plus the grace', () => {
      const job = cancelledJob([stopping(0, 100)], 100);

      const outcome = onSweep(job, at(T0, 130), SETTINGS);

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({
        state: 'stopped',
        endedAt: iso(T0, 130),
        endReason: 'cancelled (no stop confirmed within the grace)',
      });
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, release: [idOf(1, 0)], ended: [idOf(1, 0)] });
    });

    it('ends the rank stopped by a platform failure within the same sweep’s grace too', () => {
      const job = runningJob([stopping(0, 100, { stopReason: 'exit_code' })], { status: 'failed', statusReason: 'exit_code', endedAt: iso(T0, 100) });

      const outcome = onSweep(job, at(T0, 500), SETTINGS);

      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ endedAt: iso(T0, 130), endReason: 'exit_code (no stop confirmed within the grace)' });
    });

    it('waits for the stop until the grace is over', () => {
      const job = cancelledJob([stopping(0, 100)], 100);

      expect(isNoop(onSweep(job, at(T0, 129), SETTINGS), job)).toBe(true);
    });
  });

  describe('resends', () => {
    it('sends an offered assignment again after resendAfterSeconds and stamps the send', () => {
      const job = onPlaced(aFundedJob(), [aPlacedHost({ hostId: 'host_0' })], T0).job;
      const now = at(T0, 30);

      const outcome = onSweep(job, now, SETTINGS);

      expect(outcome.send).toEqual(onPlaced(aFundedJob(), [aPlacedHost({ hostId: 'host_0' })], T0).send);
      expect(assignmentOf(outcome.job, idOf(1, 0)).lastSentAt).toBe(now.toISOString());
      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, send: outcome.send });
      expect(isNoop(outcome, job)).toBe(false);
    });

    it('does not send it twice at once', () => {
      const job = onPlaced(aFundedJob(), [aPlacedHost({ hostId: 'host_0' })], T0).job;
      const once = onSweep(job, at(T0, 30), SETTINGS).job;

      const outcome = onSweep(once, at(T0, 30), SETTINGS);

      expect(isNoop(outcome, once)).toBe(true);
    });

    it('sends it again once more after another interval', () => {
      const job = onPlaced(aFundedJob(), [aPlacedHost({ hostId: 'host_0' })], T0).job;
      const once = onSweep(job, at(T0, 30), SETTINGS).job;

      expect(onSweep(once, at(T0, 59), SETTINGS).send).toEqual([]);
      expect(onSweep(once, at(T0, 60), SETTINGS).send).toHaveLength(1);
    });

    it('resends a gang rank with the world size and peers of its attempt', () => {
      const job = scheduledJob([offered(0, { publicAddress: '203.0.113.1' }), accepted(1, { publicAddress: '203.0.113.2' })], {
        spec: aJobSpec({ hosts: 2 }),
      });

      const outcome = onSweep(job, at(T0, 45), SETTINGS);

      expect(outcome.send).toMatchObject([
        {
          hostId: 'host_0',
          message: {
            type: 'assignment',
            assignmentId: idOf(1, 0),
            rank: 0,
            worldSize: 2,
            peers: [
              { rank: 0, hostId: 'host_0', address: '203.0.113.1' },
              { rank: 1, hostId: 'host_1', address: '203.0.113.2' },
            ],
          },
        },
      ]);
    });

    it('sends a pending cancel again within the grace', () => {
      const job = cancelledJob([stopping(0, 100)], 100);
      const now = at(T0, 110);

      const outcome = onSweep(job, now, settings({ resendAfterSeconds: 10 }));

      expect(effectsOf(outcome)).toEqual({ ...NO_EFFECTS, send: [cancel('host_0', idOf(1, 0), 'cancelled')] });
      expect(assignmentOf(outcome.job, idOf(1, 0))).toMatchObject({ state: 'stopping', lastSentAt: now.toISOString(), stopRequestedAt: iso(T0, 100) });
      expect(isNoop(onSweep(outcome.job, now, settings({ resendAfterSeconds: 10 })), outcome.job)).toBe(true);
    });

    it('sends nothing for ranks the agent has accepted or started', () => {
      const job = runningJob([running(0), accepted(1)]);

      expect(isNoop(onSweep(job, at(T0, 300), SETTINGS), job)).toBe(true);
    });
  });

  it('does nothing to a job that ended', () => {
    const job = runningJob([running(0, { state: 'exited', exitCode: 0, endedAt: iso(T0, 600) })], { status: 'succeeded', endedAt: iso(T0, 600) });

    expect(isNoop(onSweep(job, at(T0, 100_000), SETTINGS), job)).toBe(true);
  });
});

describe('onFundsExhausted', () => {
  it('fails a running job with insufficient_funds and tells each host to stop its rank', () => {
    const job = runningJob([running(0), running(1)]);
    const now = at(T0, 600);

    const outcome = onFundsExhausted(job, now, 1_500);

    expect(outcome.job).toMatchObject({ status: 'failed', statusReason: 'insufficient_funds', endedAt: now.toISOString() });
    for (const rank of [0, 1]) {
      expect(assignmentOf(outcome.job, idOf(1, rank))).toMatchObject({ state: 'stopping', stopRequestedAt: now.toISOString(), stopReason: 'insufficient_funds' });
    }
    expect(outcome.timeline).toEqual([
      {
        at: now.toISOString(),
        type: 'failed',
        message: 'failed: funds ran out; the hold could not be renewed (available 0.001500 USD)',
        data: { reason: 'insufficient_funds' },
      },
    ]);
    expect(effectsOf(outcome)).toEqual({
      ...NO_EFFECTS,
      send: [cancel('host_0', idOf(1, 0), 'insufficient_funds'), cancel('host_1', idOf(1, 1), 'insufficient_funds')],
      timeline: ['failed'],
      jobEnded: { status: 'failed', reason: 'insufficient_funds' },
    });
  });

  it('ends the lease at the stop grace when the agent never confirms the stop', () => {
    const stopped = onFundsExhausted(runningJob([running(0)]), at(T0, 600), 0).job;

    const swept = onSweep(stopped, at(T0, 631), SETTINGS);

    expect(assignmentOf(swept.job, idOf(1, 0))).toMatchObject({ state: 'stopped', endedAt: iso(T0, 630) });
    expect(effectsOf(swept).ended).toEqual([idOf(1, 0)]);
  });

  it('does nothing for a job that already ended (a redelivery)', () => {
    const job = cancelledJob([stopping(0, 50)], 50);

    expect(isNoop(onFundsExhausted(job, at(T0, 60), 0), job)).toBe(true);
  });
});

describe('onBalanceLow', () => {
  const notice = { runwaySeconds: 1_250, thresholdSeconds: 3_600, raisedAt: iso(T0, 300) };

  it('notes the short runway on a running job\'s timeline, once per notice', () => {
    const job = runningJob([running(0)]);
    const now = at(T0, 301);

    const outcome = onBalanceLow(job, now, notice);

    expect(outcome.job).toEqual({ ...job, balanceLowAt: iso(T0, 300) });
    expect(outcome.timeline).toEqual([
      {
        at: now.toISOString(),
        type: 'balance_low',
        message: "balance low: at current rates the renter's funds last about 20 min (warning under 60 min)",
        data: { runwaySeconds: 1_250, thresholdSeconds: 3_600 },
      },
    ]);
    expect(isNoop(onBalanceLow(outcome.job, at(T0, 302), notice), outcome.job)).toBe(true);
    expect(isNoop(onBalanceLow(outcome.job, at(T0, 302), { ...notice, raisedAt: iso(T0, 200) }), outcome.job)).toBe(true);
    expect(onBalanceLow(outcome.job, at(T0, 900), { ...notice, raisedAt: iso(T0, 899) }).timeline).toHaveLength(1);
  });

  it('adds nothing to a job that ended', () => {
    const job = cancelledJob([stopping(0, 50)], 50);

    expect(isNoop(onBalanceLow(job, at(T0, 301), notice), job)).toBe(true);
  });
});
