import type { Clock } from '#platform/clock.ts';
import type { MatchingSettings } from '../domain/transitions.ts';
import type { BalanceReader, CapacityStore, HostMessenger, JobStore } from '../ports.ts';
import type { CandidateCache } from './candidate-cache.ts';

export interface MatchingDeps {
  readonly jobs: JobStore;
  readonly capacity: CapacityStore;
  readonly candidates: CandidateCache;
  readonly messenger: HostMessenger;
  readonly balances: BalanceReader;
  readonly clock: Clock;
  readonly settings: MatchingSettings;
}
