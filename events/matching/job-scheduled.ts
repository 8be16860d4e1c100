import { z } from 'zod';
import { defineEvent } from '../define.ts';
import { placedAssignment } from './assignment-facts.ts';

export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'job.scheduled',
  version: 1,
  payload: { jobId: z.string(), renterId: z.string(), assignments: z.array(placedAssignment).min(1) },
});
