import type { Host } from './host.ts';
import type { MaintenanceWindow } from './maintenance.ts';
import { reliabilityFactor } from './verification/host-verification.ts';

const DAY_SECONDS = 86_400;
const WINDOW_DAYS = 7;

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Credits the time since the last heartbeat as online when the gap was short enough that
 * the host never looked unreachable; a longer gap was downtime and earns nothing.
 * Keeps only the days the reliability window can still see.
 */
export const creditUptime = (
  uptime: Readonly<Record<string, number>>,
  lastHeartbeatAt: Date,
  now: Date,
  unreachableAfterSeconds: number,
): Record<string, number> => {
  const gapSeconds = Math.max(0, (now.getTime() - lastHeartbeatAt.getTime()) / 1000);
  const credited = gapSeconds <= unreachableAfterSeconds ? gapSeconds : 0;
  const today = dayOf(now);
  const oldestKept = dayOf(new Date(now.getTime() - WINDOW_DAYS * DAY_SECONDS * 1000));
  const kept = Object.fromEntries(Object.entries(uptime).filter(([day]) => day >= oldestKept));
  return { ...kept, [today]: Math.min(DAY_SECONDS, (kept[today] ?? 0) + credited) };
};

const keptDays = (days: Readonly<Record<string, number>>, now: Date): Record<string, number> => {
  const oldestKept = dayOf(new Date(now.getTime() - WINDOW_DAYS * DAY_SECONDS * 1000));
  return Object.fromEntries(Object.entries(days).filter(([day]) => day >= oldestKept));
};

type ExcusingWindow = Pick<MaintenanceWindow, 'startsAt' | 'endsAt' | 'excusesDowntime'>;

/**
 * Seconds of [from, to) inside the windows that excuse downtime (announced far enough ahead),
 * per UTC day. Windows of one host never overlap, so their shares simply add up.
 */
export const excusedSecondsByDay = (from: Date, to: Date, windows: readonly ExcusingWindow[] | undefined): Record<string, number> => {
  const byDay: Record<string, number> = {};
  for (const window of windows ?? []) {
    if (!window.excusesDowntime) continue;
    let start = Math.max(from.getTime(), Date.parse(window.startsAt));
    const end = Math.min(to.getTime(), Date.parse(window.endsAt));
    while (start < end) {
      const midnight = (Math.floor(start / (DAY_SECONDS * 1000)) + 1) * DAY_SECONDS * 1000;
      const until = Math.min(end, midnight);
      const day = dayOf(new Date(start));
      byDay[day] = (byDay[day] ?? 0) + (until - start) / 1000;
      start = until;
    }
  }
  return byDay;
};

const total = (days: Readonly<Record<string, number>>): number => Object.values(days).reduce((sum, seconds) => sum + seconds, 0);

/**
 * What a heartbeat after a gap records: a short gap (the host never looked unreachable) is
 * online time, as `creditUptime` says. A longer gap is downtime, except the part inside
 * maintenance windows announced far enough ahead, which is excused (left out of the time
 * reliability is judged on); and when that part covers all but a short gap's worth (the
 * agent stopped a little before the window or came back a little after), the rest is
 * online time, as any short gap is. Unannounced downtime, or a window announced late,
 * still counts.
 */
export const creditHeartbeatGap = (
  pulse: Pick<Host, 'uptime' | 'excusedDowntime'> & { readonly maintenance?: readonly ExcusingWindow[] },
  lastHeartbeatAt: Date,
  now: Date,
  unreachableAfterSeconds: number,
): { uptime: Record<string, number>; excusedDowntime: Record<string, number> } => {
  const excused = keptDays(pulse.excusedDowntime ?? {}, now);
  const gapSeconds = Math.max(0, (now.getTime() - lastHeartbeatAt.getTime()) / 1000);
  if (gapSeconds <= unreachableAfterSeconds) return { uptime: creditUptime(pulse.uptime, lastHeartbeatAt, now, unreachableAfterSeconds), excusedDowntime: excused };
  const inWindows = excusedSecondsByDay(lastHeartbeatAt, now, pulse.maintenance);
  const rest = gapSeconds - total(inWindows);
  const kept = keptDays(pulse.uptime, now);
  const today = dayOf(now);
  const credited = total(inWindows) > 0 && rest <= unreachableAfterSeconds ? rest : 0;
  for (const [day, seconds] of Object.entries(inWindows)) excused[day] = Math.min(DAY_SECONDS, (excused[day] ?? 0) + seconds);
  return { uptime: { ...kept, [today]: Math.min(DAY_SECONDS, (kept[today] ?? 0) + credited) }, excusedDowntime: keptDays(excused, now) };
};

/**
 * Share of the last 7 days the host was online, measured over the time it has existed
 * (a host registered an hour ago is judged on that hour) less the downtime excused by
 * maintenance windows announced far enough ahead (recorded at the heartbeat after them, and
 * counted live while the host is still away inside one). A host with no history yet has
 * shown no downtime: 1. Credit is per UTC day, so near the window's far edge a day counts
 * whole or not at all: an approximation of at most one day's share. Rounded to hundredths,
 * so a heartbeat re-announces it (host.updated) exactly when the shown figure changes.
 */
export const reliability = (
  host: Pick<Host, 'uptime' | 'registeredAt' | 'status' | 'lastHeartbeatAt' | 'excusedDowntime' | 'maintenance'> & Partial<Pick<Host, 'verification'>>,
  now: Date,
): number => {
  // Repeated failed verifications lower the figure (docs/verification.md).
  const factor = reliabilityFactor(host.verification);
  const windowStart = Math.max(new Date(host.registeredAt).getTime(), now.getTime() - WINDOW_DAYS * DAY_SECONDS * 1000);
  const oldestDay = dayOf(new Date(windowStart));
  const inWindow = (days: Readonly<Record<string, number>>) => total(Object.fromEntries(Object.entries(days).filter(([day]) => day >= oldestDay)));
  // A host away right now inside an announced window is excused for it already.
  const awayExcused = host.status === 'online' ? 0 : total(excusedSecondsByDay(new Date(host.lastHeartbeatAt), now, host.maintenance));
  const observedSeconds = (now.getTime() - windowStart) / 1000 - inWindow(host.excusedDowntime ?? {}) - awayExcused;
  if (observedSeconds < 1) return factor;
  const online = inWindow(host.uptime);
  // An online host is online right now too: the sweep would have said otherwise.
  const sinceLastHeartbeat = host.status === 'online' ? Math.max(0, (now.getTime() - new Date(host.lastHeartbeatAt).getTime()) / 1000) : 0;
  // Hundredths: the one figure /v1/hosts and (through host snapshots) /v1/offers both show.
  return Math.round(Math.min(1, (online + sinceLastHeartbeat) / observedSeconds) * factor * 100) / 100;
};
