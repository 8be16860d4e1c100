import { leaseState, type Lease } from './lease.ts';

/** One usage record as an agent reports it (API.md, `POST /v1/agent/usage`). */
export interface UsageReport {
  readonly eventId: string;
  readonly assignmentId: string;
  readonly from: string;
  readonly to: string;
  readonly gpuSeconds: number;
  /** Mean GPU utilization over the interval, in percent. */
  readonly gpuUtilization?: number;
}

/** A report with who sent it and when the platform received it (which bounds an open lease). */
export interface ReceivedUsage extends UsageReport {
  readonly hostId: string;
  readonly receivedAt: string;
}

/** A half-open span of time in epoch milliseconds, `from < to`. */
export interface Segment {
  readonly from: number;
  readonly to: number;
}

/** What an assignment's accepted records already cover: sorted, disjoint, merged segments. */
export type Coverage = readonly Segment[];

export interface MeteringSettings {
  /** Widens the lease on both sides for agents' clocks (ARCHITECTURE.md, Trust). */
  readonly clockSkewSeconds: number;
  /**
   * How long a record may wait for a lease that never arrives before it is rejected
   * (`lease_never_arrived`): lease events are re-sent by the outbox sweep within minutes,
   * so a day means the assignment does not exist.
   */
  readonly pendingMaxSeconds?: number;
}

export const DEFAULT_PENDING_MAX_SECONDS = 24 * 3600;
export const DEFAULT_METERING_SETTINGS: MeteringSettings = { clockSkewSeconds: 5, pendingMaxSeconds: DEFAULT_PENDING_MAX_SECONDS };

export type RejectReason = 'outside_lease' | 'already_covered' | 'lease_never_started' | 'not_your_assignment' | 'lease_never_arrived';
export type ClipReason = 'outside_lease' | 'already_covered' | 'exceeds_gpu_capacity';

export type Verdict =
  | {
      readonly status: 'accepted';
      /** Billable GPU-milliseconds: never more than the GPUs times the fresh wall time. */
      readonly gpuMs: number;
      readonly from: number;
      readonly to: number;
      /** Why less than reported was accepted; empty when the record was taken whole. */
      readonly clipped: readonly ClipReason[];
      /** The wall time this record newly covers. */
      readonly segments: Coverage;
    }
  | { readonly status: 'rejected'; readonly reason: RejectReason }
  /** The lease is not known yet (its events are in flight): judged again when it arrives. */
  | { readonly status: 'pending' };

const length = (segments: Coverage): number => segments.reduce((sum, segment) => sum + (segment.to - segment.from), 0);

/** `span` minus what `covered` already has. */
export const uncovered = (span: Segment, covered: Coverage): Segment[] => {
  const fresh: Segment[] = [];
  let cursor = span.from;
  for (const segment of covered) {
    if (segment.to <= cursor) continue;
    if (segment.from >= span.to) break;
    if (segment.from > cursor) fresh.push({ from: cursor, to: Math.min(segment.from, span.to) });
    cursor = Math.max(cursor, segment.to);
    if (cursor >= span.to) break;
  }
  if (cursor < span.to) fresh.push({ from: cursor, to: span.to });
  return fresh;
};

/** Adds segments to a coverage, merging those that touch. */
export const cover = (covered: Coverage, added: Coverage): Segment[] => {
  const all = [...covered, ...added].sort((a, b) => a.from - b.from);
  const merged: Segment[] = [];
  for (const segment of all) {
    const last = merged.at(-1);
    if (last && segment.from <= last.to) merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, segment.to) };
    else merged.push(segment);
  }
  return merged;
};

/** The reported GPU-seconds as whole milliseconds, the unit of every sum. */
export const reportedGpuMs = (gpuSeconds: number): number => Math.round(gpuSeconds * 1000);

/**
 * The window an agent's records may fall in: the lease as the platform observed it,
 * never past the time the record was received (a running lease has no end yet), widened
 * by the clock-skew allowance on both sides; and never past the lease's billable end
 * (`billableUntil`, known from its start or its stop request, with no skew added: the
 * hold covers max duration + grace + one skew, and a lease can be billed no more).
 * Undefined when nothing is billable.
 */
export const billableWindow = (lease: Lease, receivedAt: number, settings: MeteringSettings): Segment | undefined => {
  if (!lease.leaseStart) return undefined;
  const skew = settings.clockSkewSeconds * 1000;
  const start = Date.parse(lease.leaseStart);
  const end = lease.ended ? Date.parse(lease.leaseEnd ?? lease.leaseStart) : Number.POSITIVE_INFINITY;
  const deadline = lease.billableUntil ? Date.parse(lease.billableUntil) : Number.POSITIVE_INFINITY;
  return { from: start - skew, to: Math.min(Math.min(end, receivedAt) + skew, deadline) };
};

/**
 * Judges one record against its lease and what the assignment's accepted records already
 * cover. Steps: no lease, or a lease not started yet, leaves it pending; another host's
 * assignment is refused; the interval is clipped to the billable window (nothing left:
 * rejected `outside_lease`) and to the time not covered yet (nothing left: rejected
 * `already_covered`, so two records with different ids can never bill the same seconds);
 * the reported GPU-seconds are pro-rated to the time kept and capped at the lease's GPUs
 * times that time. Rounds down, so rounding never bills a millisecond that was not used.
 */
export const judgeUsage = (usage: ReceivedUsage, lease: Lease | undefined, covered: Coverage, settings: MeteringSettings): Verdict => {
  if (!lease) return { status: 'pending' };
  if (lease.hostId !== usage.hostId) return { status: 'rejected', reason: 'not_your_assignment' };
  if (leaseState(lease) === 'not_started') return { status: 'pending' };
  const window = billableWindow(lease, Date.parse(usage.receivedAt), settings);
  if (!window) return { status: 'rejected', reason: 'lease_never_started' };
  const reported: Segment = { from: Date.parse(usage.from), to: Date.parse(usage.to) };
  const clippedSpan: Segment = { from: Math.max(reported.from, window.from), to: Math.min(reported.to, window.to) };
  if (clippedSpan.to <= clippedSpan.from) return { status: 'rejected', reason: 'outside_lease' };
  const segments = uncovered(clippedSpan, covered);
  const freshMs = length(segments);
  if (freshMs === 0) return { status: 'rejected', reason: 'already_covered' };

  const wallMs = reported.to - reported.from;
  const proRated = Number((BigInt(reportedGpuMs(usage.gpuSeconds)) * BigInt(freshMs)) / BigInt(wallMs));
  const capacity = lease.gpuCount * freshMs;
  const clipped: ClipReason[] = [];
  if (clippedSpan.from !== reported.from || clippedSpan.to !== reported.to) clipped.push('outside_lease');
  if (freshMs < clippedSpan.to - clippedSpan.from) clipped.push('already_covered');
  if (proRated > capacity) clipped.push('exceeds_gpu_capacity');
  const first = segments[0] ?? clippedSpan;
  const last = segments.at(-1) ?? clippedSpan;
  return { status: 'accepted', gpuMs: Math.min(proRated, capacity), from: first.from, to: last.to, clipped, segments };
};

/**
 * Judges one assignment's records in order of their start (then id), each against the
 * coverage the ones before it left, so a batch cannot overlap itself either.
 */
export const judgeBatch = (
  records: readonly ReceivedUsage[],
  lease: Lease | undefined,
  covered: Coverage,
  settings: MeteringSettings,
): { readonly verdicts: ReadonlyMap<ReceivedUsage, Verdict>; readonly coverage: Coverage } => {
  const ordered = [...records].sort((a, b) => Date.parse(a.from) - Date.parse(b.from) || a.eventId.localeCompare(b.eventId));
  const verdicts = new Map<ReceivedUsage, Verdict>();
  let coverage: Coverage = covered;
  for (const record of ordered) {
    const verdict = judgeUsage(record, lease, coverage, settings);
    if (verdict.status === 'accepted') coverage = cover(coverage, verdict.segments);
    verdicts.set(record, verdict);
  }
  return { verdicts, coverage };
};

const HOUR_MS = 3_600_000;

/** The UTC hour an instant falls in, as the aggregate's bucket name: `2025-03-10T10`. */
export const hourOf = (ms: number): string => new Date(Math.floor(ms / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);

/**
 * Spreads an accepted record's GPU-milliseconds over the UTC hours its segments cover, in
 * proportion to the time in each; the last bucket takes the remainder, so the buckets sum
 * to exactly `gpuMs`.
 */
export const hourShares = (segments: Coverage, gpuMs: number): Map<string, number> => {
  const time = new Map<string, number>();
  for (const segment of segments) {
    for (let start = segment.from; start < segment.to; start = (Math.floor(start / HOUR_MS) + 1) * HOUR_MS) {
      const end = Math.min(segment.to, (Math.floor(start / HOUR_MS) + 1) * HOUR_MS);
      time.set(hourOf(start), (time.get(hourOf(start)) ?? 0) + (end - start));
    }
  }
  const total = length(segments);
  const shares = new Map<string, number>();
  let given = 0;
  const hours = [...time.keys()].sort();
  hours.forEach((hour, index) => {
    const share = index === hours.length - 1 ? gpuMs - given : Number((BigInt(gpuMs) * BigInt(time.get(hour) ?? 0)) / BigInt(total));
    shares.set(hour, share);
    given += share;
  });
  return shares;
};
