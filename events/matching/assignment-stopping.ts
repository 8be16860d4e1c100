import { z } from 'zod';
import { defineEvent } from '../define.ts';
import { assignmentLease } from './assignment-facts.ts';

/**
 * The platform asked the agent to stop (renter cancel, funds exhausted, max duration, host
 * deregistered, re-queue): the lease's billable end is now the request + the stop grace,
 * known at once rather than when a sweep later ends the assignment.
 */
export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'assignment.stopping',
  version: 1,
  payload: { ...assignmentLease, stopRequestedAt: z.iso.datetime(), billableUntil: z.iso.datetime() },
});
