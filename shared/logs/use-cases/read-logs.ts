import { isComplete, planPage, type LogPosition, type LogStream } from '../domain/log-chunks.ts';
import { JobLogsNotFoundError } from '../errors.ts';
import type { LogsDeps } from './deps.ts';

export interface LogItem {
  readonly assignmentId: string;
  readonly rank: number;
  readonly seq: number;
  readonly stream: LogStream;
  readonly at: string;
  readonly data: string;
}

export interface LogPage {
  readonly items: readonly LogItem[];
  readonly next: LogPosition;
  readonly truncated: boolean;
  readonly complete: boolean;
}

/** Above this much chunk data a page ends early (Lambda answers at most 6 MB). */
export const MAX_PAGE_BYTES = 1024 * 1024;

/**
 * One page of a job's logs for its renter, from `position`, in the order the chunks were
 * stored (per assignment, seq order). Anyone else's job, or one the projection does not know,
 * is 404. `complete` once the job ended, its grace passed and nothing is left to read.
 * The head is read before the segments, so `complete` never hides a chunk committed before it.
 */
export const readLogs = async (renterId: string, jobId: string, position: LogPosition, limit: number, deps: LogsDeps): Promise<LogPage> => {
  const now = deps.clock.now();
  const job = await deps.index.getJob(jobId);
  if (!job || job.renterId !== renterId) throw new JobLogsNotFoundError(jobId);
  // A page reads at most `limit` chunks, so at most `limit` segments past a partly read one.
  const upTo = Math.min(job.segments, position.segment + limit + 1);
  const segments = position.segment < upTo ? await deps.index.segments(jobId, position.segment, upTo) : [];
  const planned = planPage(segments, position, limit, MAX_PAGE_BYTES);
  const plan = { ...planned, more: planned.more || planned.next.segment < job.segments };
  const items: LogItem[] = [];
  const bodies = await Promise.all(plan.reads.map((read) => deps.objects.get(read.segment.key)));
  plan.reads.forEach((read, i) => {
    // An expired object (past retention) has nothing left to show; the cursor still moves on.
    const chunks = bodies[i];
    if (!chunks) return;
    for (const chunk of chunks.slice(read.from, read.to)) {
      items.push({ assignmentId: read.segment.assignmentId, rank: read.segment.rank, seq: chunk.seq, stream: chunk.stream, at: chunk.at, data: chunk.data });
    }
  });
  return { items, next: plan.next, truncated: job.truncated, complete: isComplete(job, plan.more, now, deps.settings.completeGraceSeconds) };
};
