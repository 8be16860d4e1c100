import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AssignmentMessage } from '#agent/api/types.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { Outbox } from '#agent/core/outbox.ts';
import { statePaths, type AgentState } from '#agent/config/state.ts';
import { AssignmentStore, type AssignmentRecord } from '#agent/worker/assignment-store.ts';
import type { AgentOptions, WorkerContext } from '#agent/worker/context.ts';
import { finishAssignment, putEvent } from '#agent/worker/job-events.ts';
import { UsageReporter } from '#agent/worker/usage-reporter.ts';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const outboxes: Outbox[] = [];
afterEach(() => outboxes.splice(0).forEach((outbox) => outbox.close()));

/** The worker's parts with a clock stopped at NOW, on a real outbox and assignments file. */
const contextAt = (now: Date): WorkerContext => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-clock-'));
  const paths = statePaths(dir);
  const clock = () => new Date(now);
  const outbox = Outbox.open(paths.outbox, { now: clock, fsync: false });
  outboxes.push(outbox);
  const options = { state: {} as AgentState, paths, logger: silentLogger, runners: {} } as unknown as AgentOptions;
  return {
    options, clock, sleep: async () => undefined, outbox, store: new AssignmentStore(paths.assignments, clock),
    stopping: new AbortController().signal, isDraining: () => false, wakeDrain: () => undefined, wakeHeartbeat: () => undefined,
  };
};

const message: AssignmentMessage = { type: 'assignment', assignmentId: 'asg-1', jobId: 'job-1', command: ['true'], env: {}, gpuIndices: [0, 1], maxDurationSeconds: 60, rank: 0, worldSize: 1, peers: [] };

describe('the worker on an injected clock', () => {
  it('stamps an assignment\'s last event and its end with the clock, not the system time', () => {
    const context = contextAt(NOW);
    const record: AssignmentRecord = { assignmentId: 'asg-1', message, runtime: 'process', phase: 'running', receivedAt: '2030-06-01T11:00:00.000Z', usageSeq: 0, logSeq: 0 };
    context.store.put(record);

    finishAssignment(context, record, { type: 'exited', exitCode: 0 }, 'exited', 0);

    expect(context.outbox.pending('event').map((entry) => entry.payload)).toEqual([{ type: 'exited', exitCode: 0, at: NOW.toISOString() }]);
    expect(context.store.get('asg-1')).toMatchObject({ phase: 'ended', outcome: 'exited', endedAt: NOW.toISOString(), exitCode: 0 });
  });

  it('meters usage up to the clock\'s time', () => {
    const context = contextAt(NOW);
    const record: AssignmentRecord = { assignmentId: 'asg-1', message, runtime: 'process', phase: 'running', receivedAt: '2030-06-01T11:58:00.000Z', usageFrom: '2030-06-01T11:59:00.000Z', usageSeq: 0, logSeq: 0 };
    context.store.put(record);

    new UsageReporter(context).report(record, context.clock());

    expect(context.outbox.pending('usage').map((entry) => entry.payload)).toEqual([
      { eventId: 'usage-000000', assignmentId: 'asg-1', from: '2030-06-01T11:59:00.000Z', to: NOW.toISOString(), gpuSeconds: 120 },
    ]);
    expect(context.store.get('asg-1')).toMatchObject({ usageSeq: 1, usageFrom: NOW.toISOString() });
  });
});

describe('a job\'s end in the outbox', () => {
  it('waits for the job\'s earlier output (afterLogs), where its other events do not', () => {
    const context = contextAt(NOW);
    const record: AssignmentRecord = { assignmentId: 'asg-1', message, runtime: 'process', phase: 'running', receivedAt: '2030-06-01T11:00:00.000Z', usageSeq: 0, logSeq: 0 };
    context.store.put(record);

    putEvent(context, record, { type: 'started' });
    finishAssignment(context, record, { type: 'exited', exitCode: 0 }, 'exited', 0);

    expect(context.outbox.pending('event').map((entry) => [entry.id, entry.afterLogs ?? false])).toEqual([['asg-1/event/started', false], ['asg-1/event/exited', true]]);
  });
});
