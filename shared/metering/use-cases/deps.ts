import type { Clock } from '#platform/clock.ts';
import type { MeteringSettings } from '../domain/usage.ts';
import type { LeaseStore } from '../ports.ts';

export interface MeteringDeps {
  readonly leases: LeaseStore;
  readonly clock: Clock;
  readonly settings: MeteringSettings;
}
