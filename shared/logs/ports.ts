import type { LogChunk, SegmentEntry } from './domain/log-chunks.ts';

/** An assignment as the logs context knows it from `job.scheduled`. */
export interface KnownAssignment {
  readonly assignmentId: string;
  readonly jobId: string;
  readonly hostId: string;
  readonly renterId: string;
  readonly rank: number;
}

/** A job's log index head: owner, totals, how many segments are committed, and whether it ended. */
export interface JobLogs {
  readonly jobId: string;
  readonly renterId: string;
  readonly bytes: number;
  readonly truncated: boolean;
  /** Segments 0..segments-1 are committed; the next one gets this index. */
  readonly segments: number;
  readonly endedAt?: string;
  /** When the projection heard of the end: a follower's grace runs from the later of the two. */
  readonly endKnownAt?: string;
}

export type AppendOutcome =
  | { readonly kind: 'appended' }
  /** Another writer moved the job's head first: read it again and retry. */
  | { readonly kind: 'moved' }
  /** These seqs were stored by someone else in between: drop them and retry. */
  | { readonly kind: 'duplicates'; readonly seqs: readonly number[] };

export interface NewSegment {
  readonly job: JobLogs;
  readonly assignment: KnownAssignment;
  readonly key: string;
  readonly chunks: readonly LogChunk[];
  readonly bytes: number;
  readonly truncated: boolean;
  readonly expiresAt: Date;
}

/** The logs context's table: its projection of jobs and assignments, and the log index. */
export interface LogIndex {
  getAssignment(assignmentId: string): Promise<KnownAssignment | undefined>;
  getJob(jobId: string): Promise<JobLogs | undefined>;
  /** Which of these seqs of the assignment are stored already. */
  storedSeqs(assignmentId: string, seqs: readonly number[]): Promise<Set<number>>;
  /**
   * All or nothing: the segment `job.segments` with its chunks, one marker per (assignment, seq)
   * written only if unused, and the job's head moved on only if still at `job.segments`.
   */
  appendSegment(segment: NewSegment): Promise<AppendOutcome>;
  /** Marks the job's logs truncated (a batch whose every new chunk was past the cap). */
  markTruncated(jobId: string): Promise<void>;
  /** Committed segments of a job from `fromIndex` up to (not including) `toIndex`. */
  segments(jobId: string, fromIndex: number, toIndex: number): Promise<SegmentEntry[]>;
}

/** A segment's chunks as one object under the context's prefix. */
export interface SegmentObjects {
  put(key: string, chunks: readonly LogChunk[]): Promise<void>;
  /** The chunks, or undefined once the object expired. */
  get(key: string): Promise<readonly LogChunk[] | undefined>;
}

export interface ScheduledJob {
  readonly jobId: string;
  readonly renterId: string;
  readonly assignments: readonly Omit<KnownAssignment, 'jobId' | 'renterId'>[];
}

/** What the projection consumer folds in from matching's events; each call is idempotent. */
export interface JobProjection {
  /** Makes the job's head, empty, if it has none. */
  jobSeen(jobId: string, renterId: string): Promise<void>;
  /** The assignments only: the head comes from `job.submitted` (or the write route, `recordLogs`). */
  assignmentsScheduled(jobId: string, renterId: string, assignments: readonly Omit<KnownAssignment, 'jobId' | 'renterId'>[]): Promise<void>;
  /** `assignmentsScheduled` for many jobs, in as few writes as the store allows. */
  assignmentsScheduledMany(scheduled: readonly ScheduledJob[]): Promise<void>;
  /** The first call's times stay: a repeat neither moves the end nor restarts a follower's grace. */
  jobEnded(jobId: string, renterId: string, endedAt: string, knownAt: string, expiresAt: Date): Promise<void>;
}
