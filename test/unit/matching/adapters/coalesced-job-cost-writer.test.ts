import { describe, expect, it } from 'vitest';
import { CoalescedJobCostWriter } from '#matching/adapters/coalesced-job-cost-writer.ts';
import type { JobCostWriter } from '#matching/ports.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';

/** A writer that records each update and answers as `answer` says. */
const recordingWriter = (answer: (jobId: string) => Promise<boolean> = async () => true) => {
  const updates: [string, MicroUsd][] = [];
  const writer: JobCostWriter = {
    raiseCost: (jobId, cost) => {
      updates.push([jobId, cost]);
      return answer(jobId);
    },
  };
  return { writer, updates };
};

describe('CoalescedJobCostWriter', () => {
  it('writes each job once, with the highest cost asked in the same turn', async () => {
    const { writer, updates } = recordingWriter();
    const costs = new CoalescedJobCostWriter(writer);

    const answers = await Promise.all([
      costs.raiseCost('job_a', microUsd(300)),
      costs.raiseCost('job_b', microUsd(100)),
      costs.raiseCost('job_a', microUsd(700)),
      costs.raiseCost('job_a', microUsd(500)),
    ]);

    expect(updates).toEqual([['job_a', 700], ['job_b', 100]]);
    expect(answers).toEqual([true, true, true, true]);
  });

  it('fails every raise of a job whose update failed, and only those', async () => {
    const { writer } = recordingWriter(async (jobId) => {
      if (jobId === 'job_a') throw new Error('throttled');
      return true;
    });
    const costs = new CoalescedJobCostWriter(writer);

    const answers = await Promise.allSettled([costs.raiseCost('job_a', microUsd(1)), costs.raiseCost('job_b', microUsd(2)), costs.raiseCost('job_a', microUsd(3))]);

    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
  });

  it('writes again for a raise asked after the update started', async () => {
    const { writer, updates } = recordingWriter();
    const costs = new CoalescedJobCostWriter(writer);

    await costs.raiseCost('job_a', microUsd(300));
    await costs.raiseCost('job_a', microUsd(200));

    expect(updates).toEqual([['job_a', 300], ['job_a', 200]]);
  });
});
