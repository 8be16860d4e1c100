import type { Clock } from '#platform/clock.ts';
import type { MatchingSettings } from '../domain/matching-settings.ts';
import type { BalanceReader, CapacityStore, HostMessenger, JobStore, PoolNudger, SshKeyReader, TemplateCatalogue } from '../ports.ts';
import type { Job } from '../domain/job.ts';
import type { ServiceStore } from '../service-ports.ts';
import type { CandidateCache } from './candidate-cache.ts';

export interface MatchingDeps {
  readonly jobs: JobStore;
  readonly capacity: CapacityStore;
  readonly candidates: CandidateCache;
  readonly messenger: HostMessenger;
  /** The `matching-pools` FIFO queue, where the function sends to it: capacity changes nudge it instead of placing at once. */
  readonly pools?: PoolNudger;
  readonly balances: BalanceReader;
  /** Only where the function reads accounts' saved SSH keys (submit). */
  readonly sshKeys?: SshKeyReader;
  /** Only where the function ships the templates (submit, the template list). */
  readonly templates?: TemplateCatalogue;
  readonly clock: Clock;
  readonly settings: MatchingSettings;
  /** Inference services (docs/services.md); absent where a function has no use for them. */
  readonly services?: ServiceStore;
  /** Called after a service replica's job was written: its service reconciles (reconcile-service.ts). */
  readonly onReplicaChanged?: (job: Job) => Promise<void>;
}
