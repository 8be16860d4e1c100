import type { Clock } from '#platform/clock.ts';
import type { LivenessSettings } from '../domain/host.ts';
import type { RandomSource, VerificationSettings } from '../domain/verification/settings.ts';
import type { HostQueues, HostStore, LiveAssignments, QueueCredentialsVendor } from '../ports.ts';

export interface RegistrySettings extends LivenessSettings {
  readonly registrationTokenTtlSeconds: number;
  /** A maintenance window announced at least this long before it starts excuses its downtime. */
  readonly maintenanceNoticeSeconds: number;
  /** Default: DEFAULT_VERIFICATION_SETTINGS. */
  readonly verification?: VerificationSettings;
}

export interface RegistryDeps {
  readonly store: HostStore;
  readonly queues: HostQueues;
  readonly credentials: QueueCredentialsVendor;
  readonly liveAssignments: LiveAssignments;
  readonly clock: Clock;
  readonly settings: RegistrySettings;
  /** Seeds and reveals of verification runs; default: node:crypto. */
  readonly random?: RandomSource;
}
