import type { Clock } from '#platform/clock.ts';
import { mergeLease, type Lease, type LeaseObservation } from '#metering/domain/lease.ts';
import { DEFAULT_METERING_SETTINGS, type MeteringSettings } from '#metering/domain/usage.ts';
import type { LeaseStore } from '#metering/ports.ts';
import type { MeteringDeps } from '#metering/use-cases/deps.ts';

/** What the metering table would hold, in memory. */
export class MeteringState {
  readonly leases = new Map<string, Lease>();
}

/** The lease port in memory, on the domain's own merge: each call is one atomic update. */
export class FakeLeaseStore implements LeaseStore {
  constructor(private readonly state: MeteringState) {}

  async observe(seen: LeaseObservation): Promise<Lease> {
    const lease = mergeLease(this.state.leases.get(seen.assignmentId), seen);
    this.state.leases.set(seen.assignmentId, lease);
    return lease;
  }
}

export const inMemoryMetering = (start: Date, settings: MeteringSettings = DEFAULT_METERING_SETTINGS) => {
  const state = new MeteringState();
  let now = start;
  const clock: Clock = { now: () => now };
  const deps: MeteringDeps = { leases: new FakeLeaseStore(state), clock, settings };
  return { state, deps, advance: (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); } };
};
