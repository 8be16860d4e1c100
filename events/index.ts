import type { EventDefinition } from './define.ts';
import { event as accountCreated } from './accounts/account-created.ts';
import { event as balanceLow } from './billing/balance-low.ts';
import { event as fundsExhausted } from './billing/funds-exhausted.ts';
import { event as fundsHeld } from './billing/funds-held.ts';
import { event as fundsRefused } from './billing/funds-refused.ts';
import { event as payoutPaid } from './billing/payout-paid.ts';
import { event as usageCharged } from './billing/usage-charged.ts';
import { event as usageChunkCharged } from './billing/usage-chunk-charged.ts';
import { event as usageRecorded } from './metering/usage-recorded.ts';
import { event as usageChunkRecorded } from './metering/usage-chunk-recorded.ts';
import { event as exportRequested } from './exports/export-requested.ts';
import { event as assignmentEnded } from './matching/assignment-ended.ts';
import { event as assignmentStarted } from './matching/assignment-started.ts';
import { event as assignmentStopping } from './matching/assignment-stopping.ts';
import { event as hostMaintenanceScheduled } from './matching/host-maintenance-scheduled.ts';
import { event as jobEnded } from './matching/job-ended.ts';
import { event as serviceEndpointsChanged } from './matching/service-endpoints-changed.ts';
import { event as jobPreempted } from './matching/job-preempted.ts';
import { event as jobScheduled } from './matching/job-scheduled.ts';
import { event as jobSubmitted } from './matching/job-submitted.ts';
import { event as hostCameOnline } from './registry/host-came-online.ts';
import { event as hostDeregistered } from './registry/host-deregistered.ts';
import { event as hostRegistered } from './registry/host-registered.ts';
import { event as hostUnreachable } from './registry/host-unreachable.ts';
import { event as hostUpdated } from './registry/host-updated.ts';
import { event as hostWentOffline } from './registry/host-went-offline.ts';

/** Every event gpuhive publishes, by name; consumers and patterns import from here. */
export const events = {
  accountCreated,
  hostRegistered,
  hostUpdated,
  hostUnreachable,
  hostCameOnline,
  hostWentOffline,
  hostDeregistered,
  jobSubmitted,
  jobScheduled,
  assignmentStarted,
  assignmentStopping,
  assignmentEnded,
  jobEnded,
  serviceEndpointsChanged,
  jobPreempted,
  hostMaintenanceScheduled,
  fundsHeld,
  fundsRefused,
  fundsExhausted,
  balanceLow,
  usageRecorded,
  usageChunkRecorded,
  usageCharged,
  usageChunkCharged,
  payoutPaid,
  exportRequested,
} as const satisfies Record<string, EventDefinition>;

const byDetailType = new Map<string, EventDefinition>(Object.values(events).map((d) => [`${d.SOURCE}|${d.DETAIL_TYPE}`, d]));

export const definitionOf = (source: string, detailType: string): EventDefinition | undefined =>
  byDetailType.get(`${source}|${detailType}`);
