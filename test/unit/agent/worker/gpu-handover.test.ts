import { describe, expect, it } from 'vitest';
import type { AssignmentMessage } from '#agent/api/types.ts';
import type { AssignmentRecord } from '#agent/worker/assignment-store.ts';
import { gpusInUse, waitForGpus } from '#agent/worker/gpu-handover.ts';

const record = (assignmentId: string, phase: AssignmentRecord['phase'], gpuIndices: number[]): AssignmentRecord => ({
  assignmentId,
  phase,
  runtime: 'process',
  receivedAt: '2026-01-01T00:00:00.000Z',
  usageSeq: 0,
  logSeq: 0,
  message: { type: 'assignment', assignmentId, jobId: 'job_1', env: {}, gpuIndices, maxDurationSeconds: 60, rank: 0, worldSize: 1, peers: [] } as AssignmentMessage,
});

describe('the GPU handover after a preemption', () => {
  it("counts the GPUs of the host's other started jobs, a stopping one included", () => {
    const records = [record('new', 'starting', [0]), record('old', 'stopping', [0, 1]), record('done', 'ended', [2]), record('next', 'accepting', [3])];

    expect([...gpusInUse(records, 'new')].sort()).toEqual([0, 1]);
  });

  it('starts the new job once the preempted one let go of its GPUs, not before', async () => {
    let held = new Set([0]);
    let looks = 0;
    const sleep = async () => {
      looks += 1;
      if (looks === 3) held = new Set();
    };

    await waitForGpus([0], () => held, sleep);

    expect(looks).toBe(3);
  });

  it('does not wait for GPUs it does not need', async () => {
    let looks = 0;
    await waitForGpus([1], () => new Set([0]), async () => { looks += 1; });

    expect(looks).toBe(0);
  });
});
