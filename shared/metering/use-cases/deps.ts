import type { Clock } from '#platform/clock.ts';
import type { MeteringSettings } from '../domain/usage.ts';
import type { LeaseStore, UsageReadModel, UsageStore } from '../ports.ts';

export interface MeteringDeps {
  readonly leases: LeaseStore;
  readonly usage: UsageStore;
  readonly reads: UsageReadModel;
  readonly clock: Clock;
  readonly settings: MeteringSettings;
  /** How a lost race waits before reading again: real time unless a test gives one that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}
