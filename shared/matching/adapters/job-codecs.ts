import { z } from 'zod';
import { itemDecoder } from '#platform/item-codec.ts';
import type { TimelineEntry } from '../domain/outcome.ts';

/** Codecs of the matching table's job-side items other than the job itself (their keys are in items.ts). */

/** What a submit's Idempotency-Key says it made. */
export const toJobClaim = itemDecoder('job idempotency key', z.object({ jobId: z.string(), bodyHash: z.string().optional() }));

/** One entry of a job's timeline; `data` only where the entry has some. */
export const toTimelineEntry = itemDecoder('timeline entry', z.object({
  at: z.string(),
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullish(),
}).transform(({ at, type, message, data }): TimelineEntry => ({ at, type, message, ...(data ? { data } : {}) })));
