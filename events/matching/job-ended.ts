import { z } from 'zod';
import { defineEvent } from '../define.ts';

export const JOB_FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired', 'preempted'] as const;

export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'job.ended',
  version: 1,
  payload: { jobId: z.string(), renterId: z.string(), status: z.enum(JOB_FINAL_STATUSES), reason: z.string().optional() },
});
