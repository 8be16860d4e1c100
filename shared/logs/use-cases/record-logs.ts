import { addSeconds } from '#platform/clock.ts';
import { timeOfId } from '#platform/ids.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { createHash } from 'node:crypto';
import { isTooYoungToKnow, planAccept, type LogChunk } from '../domain/log-chunks.ts';
import { AssignmentNotFoundError, AssignmentNotReadyError } from '../errors.ts';
import type { KnownAssignment } from '../ports.ts';
import type { LogsDeps } from './deps.ts';

export interface LogReceipt {
  readonly accepted: number;
  readonly duplicates: number;
  readonly dropped: number;
}

/** Concurrent writers on one job (a multi-host job's agents) are few; this bounds the retries. */
const MAX_TRIES = 10;

/** `logs/<job>/<assignment>/<first>-<last>-<hash>.json`: a retry with other chunks never overwrites a committed segment. */
export const segmentKey = (assignment: KnownAssignment, chunks: readonly LogChunk[]): string => {
  const hash = createHash('sha256').update(JSON.stringify(chunks)).digest('hex').slice(0, 16);
  return `logs/${assignment.jobId}/${assignment.assignmentId}/${chunks[0]!.seq}-${chunks.at(-1)!.seq}-${hash}.json`;
};

/** The job's empty head, made now (an idempotent upsert, as `job.submitted`'s) and read back. */
const headMade = async (assignment: KnownAssignment, deps: LogsDeps) => {
  await deps.projection.jobSeen(assignment.jobId, assignment.renterId);
  const job = await deps.index.getJob(assignment.jobId);
  if (!job) throw new AssignmentNotReadyError(assignment.assignmentId);
  return job;
};

/**
 * Stores one batch of an assignment's log chunks for the agent of its host.
 *
 * 1. The assignment must be this host's, as the projection of `job.scheduled` says. One the
 *    projection does not know yet, but whose id is young, answers 409 `assignment_not_ready`
 *    (the agent sends it again from its outbox); an old unknown one, or another host's, 404.
 *    The job's head comes from `job.submitted`; if that has not arrived yet, the head is made
 *    here, empty, from the assignment's job and renter (`job.scheduled` no longer writes it).
 * 2. Seqs already stored are duplicates; the rest is taken up to the job's size cap
 *    (domain/log-chunks.ts, `planAccept`); past it, chunks are dropped and the job truncated.
 * 3. The new chunks go to S3 as one object, then one transaction commits the segment, a marker
 *    per (assignment, seq) and the job's new head. A concurrent writer makes it retry.
 * The receipt is given only once the chunks are durable. Emits no events.
 */
export const recordLogs = async (hostId: string, assignmentId: string, chunks: readonly LogChunk[], deps: LogsDeps): Promise<LogReceipt> => {
  const now = deps.clock.now();
  const assignment = await deps.index.getAssignment(assignmentId);
  if (!assignment) {
    if (isTooYoungToKnow(timeOfId(assignmentId), now, deps.settings.unknownAssignmentGraceSeconds)) throw new AssignmentNotReadyError(assignmentId);
    throw new AssignmentNotFoundError(assignmentId);
  }
  if (assignment.hostId !== hostId) throw new AssignmentNotFoundError(assignmentId);

  const seqs = [...new Set(chunks.map((chunk) => chunk.seq))];
  const known = await deps.index.storedSeqs(assignmentId, seqs);
  return retryOnConflict<LogReceipt>(
    async () => {
      const job = (await deps.index.getJob(assignment.jobId)) ?? (await headMade(assignment, deps));
      const plan = planAccept(chunks, known, job, deps.settings.maxJobBytes);
      if (plan.accept.length === 0) {
        if (plan.truncated && !job.truncated) await deps.index.markTruncated(job.jobId);
        return { accepted: 0, duplicates: plan.duplicates, dropped: plan.dropped };
      }
      const key = segmentKey(assignment, plan.accept);
      await deps.objects.put(key, plan.accept);
      const outcome = await deps.index.appendSegment({
        job, assignment, key, chunks: plan.accept, bytes: plan.bytes, truncated: plan.truncated,
        expiresAt: addSeconds(now, deps.settings.retentionDays * 86_400),
      });
      if (outcome.kind === 'appended') return { accepted: plan.accept.length, duplicates: plan.duplicates, dropped: plan.dropped };
      if (outcome.kind === 'duplicates') for (const seq of outcome.seqs) known.add(seq);
      return CONFLICT;
    },
    { attempts: MAX_TRIES, exhausted: () => new Error(`The log index of job ${assignment.jobId} kept moving; giving up after ${MAX_TRIES} tries`) },
  );
};
