import { addSeconds } from '#platform/clock.ts';
import type { CapacityWindow, HostCapacity } from './capacity.ts';
import type { Job } from './job.ts';
import { DEFAULT_USAGE_CLOCK_SKEW_SECONDS } from './lease-deadline.ts';
import type { Placement, Requirements } from './placement.ts';
import { DEFAULT_MATCHING_SETTINGS, type MatchingSettings } from './matching-settings.ts';

/** The span a job placed now could occupy its hosts, in epoch milliseconds: [from, until). */
export interface RunSpan {
  readonly from: number;
  readonly until: number;
}

export type RunSpanSettings = Partial<Pick<MatchingSettings, 'acceptTimeoutSeconds' | 'stopGraceSeconds' | 'clockSkewSeconds'>>;

/**
 * From now until the latest a job placed now could still hold its hosts: its agent may take
 * the accept timeout to accept and start it, it may then run its max duration, and after the
 * max-duration stop the lease may run the stop grace and metering's clock skew (the margin
 * its hold covers).
 */
export const possibleRun = (job: Pick<Job, 'spec'>, now: Date, settings: RunSpanSettings = {}): RunSpan => {
  const acceptTimeout = settings.acceptTimeoutSeconds ?? DEFAULT_MATCHING_SETTINGS.acceptTimeoutSeconds;
  const stopGrace = settings.stopGraceSeconds ?? DEFAULT_MATCHING_SETTINGS.stopGraceSeconds;
  const skew = settings.clockSkewSeconds ?? DEFAULT_USAGE_CLOCK_SKEW_SECONDS;
  return { from: now.getTime(), until: addSeconds(now, acceptTimeout + job.spec.maxDurationSeconds + stopGrace + skew).getTime() };
};

/** The first of the host's windows that the span runs into (one in progress counts), if any. */
export const windowInTheWay = (host: Pick<HostCapacity, 'maintenanceWindows'>, span: RunSpan): CapacityWindow | undefined =>
  host.maintenanceWindows?.find((window) => span.from < Date.parse(window.endsAt) && span.until > Date.parse(window.startsAt));

/** The placement predicate: may work that could run over this span be placed on the host? */
export const clearOfMaintenance = (host: Pick<HostCapacity, 'maintenanceWindows'>, span: RunSpan): boolean => windowInTheWay(host, span) === undefined;

/**
 * Wraps a placement function so it places only on hosts clear of maintenance for the job's
 * possible run. When only hosts with a window in the way would fit, the reason says so (and
 * when the first such window ends), instead of claiming no host offers what the job wants.
 */
export const placingClearOfMaintenance =
  (job: Pick<Job, 'spec'>, place: (requirements: Requirements, seed: string) => Placement, now: Date, settings: RunSpanSettings = {}) =>
  (requirements: Requirements, seed: string): Placement => {
    const runSpan = possibleRun(job, now, settings);
    const placement = place({ ...requirements, runSpan }, seed);
    if (placement.kind === 'placed') return placement;
    const anyway = place(requirements, seed);
    if (anyway.kind === 'unplaceable') return placement;
    const blocked = anyway.hosts.map((host) => host.hostId);
    return {
      kind: 'unplaceable',
      reason: `the only matching hosts (${blocked.join(', ')}) have maintenance scheduled before this job's max duration could end (${new Date(runSpan.until).toISOString()}); waiting for other capacity or for the window to pass`,
    };
  };
