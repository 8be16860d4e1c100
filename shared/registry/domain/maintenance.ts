import { MAX_WINDOW_SECONDS } from '#contract/hosts.ts';
import { MAINTENANCE_CATEGORIES } from '#events/registry/host-facts.ts';
import { ConflictError, NotFoundError, ValidationError } from '#platform/errors.ts';
import type { Host } from './host.ts';
import type { Transition } from './lifecycle.ts';

export { MAINTENANCE_CATEGORIES };
export type MaintenanceCategory = (typeof MAINTENANCE_CATEGORIES)[number];

/** A window is at most a day: longer downtime is an outage, or a host to unlist. */
export { MAX_WINDOW_SECONDS };
/** Announced at least this long before it starts, a window's downtime does not lower reliability. */
export const DEFAULT_MAINTENANCE_NOTICE_SECONDS = 86_400;
/** A start this far in the past is still taken ("now" from a client whose request took a moment). */
export const START_TOLERANCE_SECONDS = 60;
/** Windows not yet ended that a host may hold: enough for weeks of planning, small enough for one item. */
export const MAX_UPCOMING_WINDOWS = 20;
/** Ended windows are listed this long. */
export const SHOW_ENDED_SECONDS = 7 * 86_400;
/** Ended windows are kept a day longer than listed: a host back from a long absence is still credited for them. */
const KEEP_ENDED_SECONDS = SHOW_ENDED_SECONDS + 86_400;

export interface MaintenanceWindow {
  readonly windowId: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly category: MaintenanceCategory;
  readonly note?: string;
  /** When the provider scheduled it: the notice renters and the reliability figure got. */
  readonly announcedAt: string;
  /** Announced with at least the notice in force then: its downtime does not count against the host. */
  readonly excusesDowntime: boolean;
  /** The Idempotency-Key that created it and a hash of its body, so a retried POST returns this window. */
  readonly request?: { readonly key: string; readonly bodyHash: string };
}

export interface WindowRequest {
  readonly startsAt: string;
  readonly durationSeconds: number;
  readonly category: MaintenanceCategory;
  readonly note?: string;
}

export type WindowState = 'scheduled' | 'in_progress' | 'ended';

export const stateOf = (window: Pick<MaintenanceWindow, 'startsAt' | 'endsAt'>, now: Date): WindowState => {
  const at = now.getTime();
  if (at >= Date.parse(window.endsAt)) return 'ended';
  return at >= Date.parse(window.startsAt) ? 'in_progress' : 'scheduled';
};

/** Windows not yet ended, soonest first: what matching, the provider and the agent are shown. */
export const upcomingWindows = (windows: readonly MaintenanceWindow[] | undefined, now: Date): MaintenanceWindow[] =>
  (windows ?? []).filter((window) => stateOf(window, now) !== 'ended').sort((a, b) => a.startsAt.localeCompare(b.startsAt));

/** What the provider's list shows: windows not ended, and those ended within a week, soonest first. */
export const listedWindows = (windows: readonly MaintenanceWindow[] | undefined, now: Date): MaintenanceWindow[] =>
  (windows ?? []).filter((window) => Date.parse(window.endsAt) + SHOW_ENDED_SECONDS * 1000 > now.getTime()).sort((a, b) => a.startsAt.localeCompare(b.startsAt));

/** Half-open intervals [start, end) overlap when each starts before the other ends. */
export const overlaps = (a: { startsAt: string; endsAt: string }, b: { startsAt: string; endsAt: string }): boolean =>
  Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt);

const withoutOldWindows = (windows: readonly MaintenanceWindow[], now: Date): MaintenanceWindow[] =>
  windows.filter((window) => Date.parse(window.endsAt) + KEEP_ENDED_SECONDS * 1000 > now.getTime());

/**
 * Adds a window to a host (`host.updated` carries it to matching). Refused: a start in the
 * past (400, `startsAt`), a window that overlaps one the host already has (409, naming
 * `startsAt` and `durationSeconds`), more than `MAX_UPCOMING_WINDOWS` ahead (409), a
 * deregistered host (409). Duration and category bounds are the HTTP schema's (400).
 */
export const scheduleWindow = (
  host: Host,
  request: WindowRequest,
  ids: { readonly windowId: string; readonly request?: MaintenanceWindow['request'] },
  now: Date,
  noticeSeconds: number,
): Transition & { readonly window: MaintenanceWindow } => {
  if (host.deregisteredAt || host.deregistering) throw new ConflictError('host_deregistered', 'The host is deregistered or deregistering: it takes no maintenance windows.');
  const starts = Date.parse(request.startsAt);
  if (starts < now.getTime() - START_TOLERANCE_SECONDS * 1000) {
    throw new ValidationError([{ field: 'startsAt', message: `must not be in the past (now is ${now.toISOString()})` }]);
  }
  if (request.durationSeconds <= 0 || request.durationSeconds > MAX_WINDOW_SECONDS) {
    throw new ValidationError([{ field: 'durationSeconds', message: `must be more than 0 and at most ${MAX_WINDOW_SECONDS} (24 h)` }]);
  }
  const startsAt = new Date(starts).toISOString();
  const endsAt = new Date(starts + request.durationSeconds * 1000).toISOString();
  const kept = withoutOldWindows(host.maintenance ?? [], now);
  const clash = kept.find((window) => overlaps(window, { startsAt, endsAt }));
  if (clash) {
    throw new ConflictError(
      'maintenance_overlap',
      `startsAt and durationSeconds: the window ${startsAt} to ${endsAt} overlaps ${clash.windowId} (${clash.startsAt} to ${clash.endsAt}); move it or cancel that one first.`,
    );
  }
  if (upcomingWindows(kept, now).length >= MAX_UPCOMING_WINDOWS) {
    throw new ConflictError('too_many_windows', `The host already has ${MAX_UPCOMING_WINDOWS} windows ahead; cancel one first.`);
  }
  const window: MaintenanceWindow = {
    windowId: ids.windowId,
    startsAt,
    endsAt,
    category: request.category,
    ...(request.note ? { note: request.note } : {}),
    announcedAt: now.toISOString(),
    excusesDowntime: starts - now.getTime() >= noticeSeconds * 1000,
    ...(ids.request ? { request: ids.request } : {}),
  };
  const maintenance = [...kept, window].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return { host: { ...host, maintenance }, changes: ['updated'], window };
};

/**
 * Cancels a window: one not started is removed; one in progress ends now (the host takes
 * work again, and the downtime so far keeps its excuse). An ended window: 409; unknown: 404.
 */
export const cancelWindow = (host: Host, windowId: string, now: Date): Transition => {
  const window = (host.maintenance ?? []).find((candidate) => candidate.windowId === windowId);
  if (!window) throw new NotFoundError('No such maintenance window.');
  const state = stateOf(window, now);
  if (state === 'ended') throw new ConflictError('window_ended', `The window ended at ${window.endsAt}: there is nothing to cancel.`);
  const maintenance =
    state === 'scheduled'
      ? (host.maintenance ?? []).filter((candidate) => candidate.windowId !== windowId)
      : (host.maintenance ?? []).map((candidate) => (candidate.windowId === windowId ? { ...candidate, endsAt: now.toISOString() } : candidate));
  return { host: { ...host, maintenance }, changes: ['updated'] };
};
