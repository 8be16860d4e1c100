import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '#platform/ids.ts';
import { recordLogs } from '#logs/use-cases/record-logs.ts';
import { readLogs } from '#logs/use-cases/read-logs.ts';
import { projectJobEvent } from '#logs/use-cases/project-jobs.ts';
import { events } from '#events/index.ts';
import { sampleDetail } from '#test/support/factories.ts';
import { START } from '#logs/domain/log-chunks.ts';
import { LogsState, fixedClock, logsDeps } from '../fakes.ts';

const NOW = '2026-11-25T10:00:00.000Z';
const chunk = (seq: number, data = `line ${seq}\n`) => ({ seq, stream: 'stdout' as const, at: NOW, data });

let state: LogsState;
let clock: ReturnType<typeof fixedClock>;
const jobId = newId('job', new Date(NOW));
const assignmentId = `${jobId}.a1.r0`;

beforeEach(async () => {
  state = new LogsState();
  clock = fixedClock(NOW);
  await state.jobSeen(jobId, 'acct_renter');
  await state.assignmentsScheduled(jobId, 'acct_renter', [{ assignmentId, hostId: 'host_1', rank: 0 }]);
});

describe('recordLogs', () => {
  it('answers 409 assignment_not_ready for a young assignment the projection has not seen', async () => {
    const young = `${newId('job', new Date(NOW))}.a1.r0`;
    await expect(recordLogs('host_1', young, [chunk(0)], logsDeps(state, clock))).rejects.toMatchObject({ code: 'assignment_not_ready' });
  });

  it('answers 404 once an unknown assignment is older than the grace', async () => {
    const old = `${newId('job', new Date('2026-11-25T09:00:00.000Z'))}.a1.r0`;
    await expect(recordLogs('host_1', old, [chunk(0)], logsDeps(state, clock))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('makes the job\'s head when the log comes before job.submitted reached logs, and its renter reads it', async () => {
    const lateJob = newId('job', new Date(NOW));
    const lateAssignment = `${lateJob}.a1.r0`;
    await state.assignmentsScheduled(lateJob, 'acct_renter', [{ assignmentId: lateAssignment, hostId: 'host_1', rank: 0 }]);
    const deps = logsDeps(state, clock);

    const receipt = await recordLogs('host_1', lateAssignment, [chunk(0)], deps);
    const page = await readLogs('acct_renter', lateJob, START, 100, deps);

    expect(receipt).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
    expect(state.jobs.get(lateJob)).toMatchObject({ renterId: 'acct_renter', segments: 1 });
    expect(page.items.map((item) => item.seq)).toEqual([0]);
  });

  it('answers 404 to another host\'s agent', async () => {
    await expect(recordLogs('host_2', assignmentId, [chunk(0)], logsDeps(state, clock))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('retries when another writer moved the job\'s head first, and keeps both batches', async () => {
    const deps = logsDeps(state, clock);
    state.beforeAppend = () => {
      void state.appendSegment({ job: state.jobs.get(jobId)!, assignment: state.assignments.get(assignmentId)!, key: 'other', chunks: [chunk(9)], bytes: 8, truncated: false, expiresAt: new Date() });
    };

    const receipt = await recordLogs('host_1', assignmentId, [chunk(0), chunk(1)], deps);

    expect(receipt).toEqual({ accepted: 2, duplicates: 0, dropped: 0 });
    expect(state.jobs.get(jobId)?.segments).toBe(2);
  });

  it('counts chunks another writer stored in between as duplicates, and stores the rest once', async () => {
    const deps = logsDeps(state, clock);
    state.beforeAppend = () => state.markers.add(`${assignmentId}#1`);

    const receipt = await recordLogs('host_1', assignmentId, [chunk(0), chunk(1)], deps);
    const page = await readLogs('acct_renter', jobId, START, 100, deps);

    expect(receipt).toEqual({ accepted: 1, duplicates: 1, dropped: 0 });
    expect(page.items.map((item) => item.seq)).toEqual([0]);
  });
});

describe('readLogs', () => {
  it('shows the job to its renter only', async () => {
    await expect(readLogs('acct_other', jobId, START, 10, logsDeps(state, clock))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('is complete only once the job ended, the grace passed and everything was read', async () => {
    const deps = logsDeps(state, clock, { completeGraceSeconds: 10 });
    await recordLogs('host_1', assignmentId, [chunk(0), chunk(1)], deps);
    await state.jobEnded(jobId, 'acct_renter', NOW, NOW);

    const early = await readLogs('acct_renter', jobId, START, 1, deps);
    clock.set('2026-11-25T10:00:11.000Z');
    const partial = await readLogs('acct_renter', jobId, START, 1, deps);
    const rest = await readLogs('acct_renter', jobId, partial.next, 10, deps);

    expect([early.complete, partial.complete, rest.complete, rest.items.map((item) => item.seq)]).toEqual([false, false, true, [1]]);
  });

  it('waits the grace from when it heard of the end, so chunks held back by a lagging projection still make it', async () => {
    const deps = logsDeps(state, clock, { completeGraceSeconds: 10 });
    // The job ended at NOW, but job.ended reached the logs context 20 s later.
    clock.set('2026-11-25T10:00:20.000Z');
    await projectJobEvent({ kind: 'ended', detail: events.jobEnded.schema.parse({ ...sampleDetail('jobEnded', new Date(NOW)), jobId, renterId: 'acct_renter' }) }, deps);

    const beforeChunks = await readLogs('acct_renter', jobId, START, 10, deps);
    clock.set('2026-11-25T10:00:25.000Z');
    await recordLogs('host_1', assignmentId, [chunk(0)], deps);
    const withChunks = await readLogs('acct_renter', jobId, START, 10, deps);
    clock.set('2026-11-25T10:00:30.000Z');
    const afterGrace = await readLogs('acct_renter', jobId, withChunks.next, 10, deps);

    expect([beforeChunks.complete, withChunks.complete, withChunks.items.map((item) => item.seq), afterGrace.complete]).toEqual([false, false, [0], true]);
  });
});
