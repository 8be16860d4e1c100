import type { Clock } from '#platform/clock.ts';
import { DEFAULT_LOG_SETTINGS, type LogChunk, type SegmentEntry } from '#logs/domain/log-chunks.ts';
import type { AppendOutcome, JobLogs, JobProjection, KnownAssignment, LogIndex, NewSegment, ScheduledJob, SegmentObjects } from '#logs/ports.ts';
import type { LogsDeps } from '#logs/use-cases/deps.ts';

/** The logs table and the bucket's `logs/` prefix, in memory, with the same conditions as the adapters. */
export class LogsState implements LogIndex, JobProjection, SegmentObjects {
  readonly assignments = new Map<string, KnownAssignment>();
  readonly jobs = new Map<string, JobLogs>();
  readonly segmentsOf = new Map<string, SegmentEntry[]>();
  readonly markers = new Set<string>();
  readonly objects = new Map<string, readonly LogChunk[]>();
  /** Runs before each append is judged: a test's concurrent writer. */
  beforeAppend: (() => void) | undefined;

  async getAssignment(assignmentId: string) { return this.assignments.get(assignmentId); }
  async getJob(jobId: string) { return this.jobs.get(jobId); }
  async storedSeqs(assignmentId: string, seqs: readonly number[]) { return new Set(seqs.filter((seq) => this.markers.has(`${assignmentId}#${seq}`))); }

  async appendSegment(segment: NewSegment): Promise<AppendOutcome> {
    const hook = this.beforeAppend;
    this.beforeAppend = undefined;
    hook?.();
    const { job, assignment, chunks } = segment;
    const duplicates = chunks.filter((chunk) => this.markers.has(`${assignment.assignmentId}#${chunk.seq}`)).map((chunk) => chunk.seq);
    if (duplicates.length > 0) return { kind: 'duplicates', seqs: duplicates };
    if (this.jobs.get(job.jobId)?.segments !== job.segments) return { kind: 'moved' };
    for (const chunk of chunks) this.markers.add(`${assignment.assignmentId}#${chunk.seq}`);
    const list = this.segmentsOf.get(job.jobId) ?? [];
    list.push({ index: job.segments, assignmentId: assignment.assignmentId, rank: assignment.rank, key: segment.key, chunkBytes: chunks.map((c) => Buffer.byteLength(c.data)) });
    this.segmentsOf.set(job.jobId, list);
    this.jobs.set(job.jobId, { ...job, segments: job.segments + 1, bytes: segment.bytes, truncated: segment.truncated });
    return { kind: 'appended' };
  }

  async markTruncated(jobId: string) { this.jobs.set(jobId, { ...this.jobs.get(jobId)!, truncated: true }); }
  async segments(jobId: string, from: number, to: number) { return (this.segmentsOf.get(jobId) ?? []).filter((s) => s.index >= from && s.index < to); }

  async jobSeen(jobId: string, renterId: string) {
    if (!this.jobs.has(jobId)) this.jobs.set(jobId, { jobId, renterId, bytes: 0, truncated: false, segments: 0 });
  }
  async assignmentsScheduled(jobId: string, renterId: string, assignments: readonly Omit<KnownAssignment, 'jobId' | 'renterId'>[]) {
    for (const a of assignments) this.assignments.set(a.assignmentId, { ...a, jobId, renterId });
  }
  async assignmentsScheduledMany(scheduled: readonly ScheduledJob[]) {
    for (const { jobId, renterId, assignments } of scheduled) await this.assignmentsScheduled(jobId, renterId, assignments);
  }
  async jobEnded(jobId: string, renterId: string, endedAt: string, knownAt: string) {
    await this.jobSeen(jobId, renterId);
    const job = this.jobs.get(jobId)!;
    if (!job.endedAt) this.jobs.set(jobId, { ...job, endedAt, endKnownAt: knownAt });
  }

  async put(key: string, chunks: readonly LogChunk[]) { this.objects.set(key, chunks); }
  async get(key: string) { return this.objects.get(key); }
}

export const fixedClock = (iso: string): Clock & { set(iso: string): void } => {
  let now = new Date(iso);
  return { now: () => now, set: (next: string) => { now = new Date(next); } };
};

export const logsDeps = (state: LogsState, clock: Clock, settings: Partial<LogsDeps['settings']> = {}): LogsDeps => ({
  index: state, projection: state, objects: state, clock, settings: { ...DEFAULT_LOG_SETTINGS, ...settings },
});
