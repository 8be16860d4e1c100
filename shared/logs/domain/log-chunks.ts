/**
 * Job logs as the agent ships them: numbered chunks of stdout / stderr per assignment. The
 * platform keeps them in the order they arrive (which the agent's outbox makes seq order),
 * once per (assignment, seq), up to a size cap per job, after which the job's logs are
 * marked truncated and every later chunk is dropped: a truncated log is always a prefix.
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogChunk {
  readonly seq: number;
  readonly stream: LogStream;
  /** The agent's clock, for people; ordering never depends on it. */
  readonly at: string;
  readonly data: string;
}

export interface LogSettings {
  /** Bytes of chunk data a job may keep (UTF-8), across all its assignments. */
  readonly maxJobBytes: number;
  /** How long after the job ended a reader still waits for trailing chunks before `complete`. */
  readonly completeGraceSeconds: number;
  /** An assignment this young that the projection does not know yet answers 409 (retry), not 404. */
  readonly unknownAssignmentGraceSeconds: number;
  readonly retentionDays: number;
}

export const DEFAULT_LOG_SETTINGS: LogSettings = {
  maxJobBytes: 10 * 1024 * 1024,
  completeGraceSeconds: 10,
  unknownAssignmentGraceSeconds: 15 * 60,
  retentionDays: 30,
};

/** The most chunks and bytes per chunk one request may carry (the contract). */
export const MAX_CHUNKS_PER_REQUEST = 50;
export const MAX_CHUNK_BYTES = 64 * 1024;

const encoder = new TextEncoder();
export const chunkBytes = (chunk: Pick<LogChunk, 'data'>): number => encoder.encode(chunk.data).length;

/** What the job's log index holds before a batch is added. */
export interface JobLogTotals {
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface AcceptPlan {
  /** New chunks to store, in seq order. */
  readonly accept: readonly LogChunk[];
  /** Chunks already stored, or repeated within the batch. */
  readonly duplicates: number;
  /** Chunks past the cap. */
  readonly dropped: number;
  /** The job's bytes once `accept` is stored. */
  readonly bytes: number;
  /** Whether the job's logs are truncated once this batch is judged. */
  readonly truncated: boolean;
}

/**
 * Judges one batch of an assignment's chunks: sorted by seq; a seq already stored (`known`) or
 * seen earlier in the batch is a duplicate; the rest is taken while it fits under the cap. The
 * first chunk that does not fit truncates the job's logs, and it and everything after it
 * (in this batch and in any later one) is dropped.
 */
export const planAccept = (chunks: readonly LogChunk[], known: ReadonlySet<number>, totals: JobLogTotals, maxJobBytes: number): AcceptPlan => {
  const seen = new Set<number>();
  const accept: LogChunk[] = [];
  let duplicates = 0;
  let dropped = 0;
  let bytes = totals.bytes;
  let truncated = totals.truncated;
  for (const chunk of [...chunks].sort((a, b) => a.seq - b.seq)) {
    if (known.has(chunk.seq) || seen.has(chunk.seq)) {
      duplicates += 1;
      continue;
    }
    seen.add(chunk.seq);
    const size = chunkBytes(chunk);
    if (truncated || bytes + size > maxJobBytes) {
      truncated = true;
      dropped += 1;
      continue;
    }
    bytes += size;
    accept.push(chunk);
  }
  return { accept, duplicates, dropped, bytes, truncated };
};

/** Where a reader stands: the next item is chunk `offset` of segment `segment`. */
export interface LogPosition {
  readonly segment: number;
  readonly offset: number;
}

export const START: LogPosition = { segment: 0, offset: 0 };

/** A stored batch's index entry: which assignment, and each chunk's size, in order. */
export interface SegmentEntry {
  readonly index: number;
  readonly assignmentId: string;
  readonly rank: number;
  readonly key: string;
  readonly chunkBytes: readonly number[];
}

export interface PagePlan {
  /** Segments to read, each from `from` (inclusive) to `to` (exclusive) of its chunks. */
  readonly reads: readonly { readonly segment: SegmentEntry; readonly from: number; readonly to: number }[];
  readonly next: LogPosition;
  /** Whether segments known now hold chunks past `next`. */
  readonly more: boolean;
}

/**
 * Which chunks one page returns: from `position`, through the segments in order, until
 * `limit` items or `maxBytes` of data (always at least one item, so a reader never stalls
 * on a large chunk). `segments` are the job's committed segments from `position.segment` on.
 */
export const planPage = (segments: readonly SegmentEntry[], position: LogPosition, limit: number, maxBytes: number): PagePlan => {
  const reads: { segment: SegmentEntry; from: number; to: number }[] = [];
  let items = 0;
  let bytes = 0;
  let next = position;
  for (const segment of segments) {
    if (segment.index < position.segment) continue;
    const from = segment.index === position.segment ? position.offset : 0;
    let to = from;
    while (to < segment.chunkBytes.length && items < limit && (items === 0 || bytes + segment.chunkBytes[to]! <= maxBytes)) {
      bytes += segment.chunkBytes[to]!;
      items += 1;
      to += 1;
    }
    if (to > from) reads.push({ segment, from, to });
    next = to === segment.chunkBytes.length ? { segment: segment.index + 1, offset: 0 } : { segment: segment.index, offset: to };
    if (to < segment.chunkBytes.length) {
      return { reads, next, more: true };
    }
  }
  return { reads, next, more: false };
};

/** When a job ended, and when the logs context heard of it (its projection of `job.ended`). */
export interface JobEnd {
  readonly endedAt?: string;
  readonly endKnownAt?: string;
}

/**
 * A follower may stop when the job has ended, the grace for trailing chunks has passed, and
 * it has read everything stored so far. The grace runs from the later of the end and the
 * moment this context heard of it: a projection that lags behind the job (a busy queue) also
 * lags behind the agent's chunks, which wait for it (`assignment_not_ready`), so a grace counted
 * from the end alone could pass before they could be stored and end a follower without them.
 */
export const isComplete = (end: JobEnd, more: boolean, now: Date, graceSeconds: number): boolean => {
  if (end.endedAt === undefined || more) return false;
  const from = Math.max(Date.parse(end.endedAt), end.endKnownAt === undefined ? 0 : Date.parse(end.endKnownAt));
  return now.getTime() - from >= graceSeconds * 1000;
};

/**
 * An assignment the logs projection has not seen: if its id says it was made within the grace,
 * the `job.scheduled` that names it is probably still on its way (retry); otherwise it does
 * not exist, or is not this host's to speak for.
 */
export const isTooYoungToKnow = (createdAt: Date | undefined, now: Date, graceSeconds: number): boolean =>
  createdAt !== undefined && now.getTime() - createdAt.getTime() < graceSeconds * 1000 && createdAt.getTime() <= now.getTime() + 60_000;
