import type { MicroUsd } from '#platform/money.ts';

/** What every lease event says of an assignment, whichever arrives first. */
export interface LeaseFacts {
  readonly assignmentId: string;
  readonly jobId: string;
  readonly renterId: string;
  readonly providerId: string;
  readonly hostId: string;
  readonly gpuCount: number;
  readonly gpuModel: string;
  readonly pricePerGpuHour: MicroUsd;
}

/**
 * Metering's copy of an assignment's lease, as the platform observed it (ARCHITECTURE.md,
 * Trust): `leaseStart` is when the platform received `started`, `leaseEnd` when the
 * assignment ended (matching already applied the stop grace and host loss). `ended` is
 * set by `assignment.ended` even when the assignment never started (no `leaseStart`, no
 * `leaseEnd`: an empty lease, against which nothing is billable).
 */
export interface Lease extends LeaseFacts {
  readonly leaseStart?: string;
  readonly leaseEnd?: string;
  readonly endReason?: string;
  readonly ended: boolean;
  /**
   * The last billable instant, as matching decided it (start + max duration + grace; a stop
   * request + grace): records are clipped to it whether or not the lease has ended.
   */
  readonly billableUntil?: string;
}

/** What one event tells: the facts, and the lease times it knows. */
export type LeaseObservation = Lease;

const earliest = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined ? a : a < b ? a : b);

/**
 * Folds an observation into what is known, so that events may come twice and in any
 * order: the first lease start and end seen are kept (matching sends the same ones on
 * every event), an ended lease stays ended, and the billable end only ever moves earlier.
 */
export const mergeLease = (known: Lease | undefined, seen: LeaseObservation): Lease => {
  const billableUntil = earliest(known?.billableUntil, seen.billableUntil);
  const leaseStart = known?.leaseStart ?? seen.leaseStart;
  const leaseEnd = known?.leaseEnd ?? seen.leaseEnd;
  const endReason = known?.endReason ?? seen.endReason;
  return {
    ...(known ?? seen),
    ...(leaseStart ? { leaseStart } : {}),
    ...(leaseEnd ? { leaseEnd } : {}),
    ...(endReason ? { endReason } : {}),
    ...(billableUntil ? { billableUntil } : {}),
    ended: (known?.ended ?? false) || seen.ended,
  };
};

export type LeaseState = 'not_started' | 'open' | 'ended';

/**
 * `not_started`: scheduled, `started` not yet observed, so usage waits (it may be in
 * flight); `open`: running, usage is valid up to its receipt; `ended`: closed, usage is
 * valid inside [leaseStart, leaseEnd] (empty when it never started).
 */
export const leaseState = (lease: Lease): LeaseState => {
  if (lease.ended) return 'ended';
  return lease.leaseStart ? 'open' : 'not_started';
};

/** A lease against which records can be judged: started, or ended (even if empty). */
export const judgeable = (lease: Lease): boolean => leaseState(lease) !== 'not_started';

/**
 * The lease as usage is judged against it. On host loss (ARCHITECTURE.md, Trust) matching
 * ends the lease at the host's last heartbeat; the platform also heard from the agent
 * whenever it received usage while the lease was open, so the lease ends at the later of
 * the two. Usage received after the lease ended never moves its end.
 */
export const effectiveLease = (lease: Lease | undefined, lastOpenUsageAt: string | undefined): Lease | undefined => {
  if (!lease || !lease.ended || lease.endReason !== 'host_lost' || !lease.leaseStart || !lease.leaseEnd || !lastOpenUsageAt) return lease;
  return lastOpenUsageAt > lease.leaseEnd ? { ...lease, leaseEnd: lastOpenUsageAt } : lease;
};
