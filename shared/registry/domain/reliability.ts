import type { Host } from './host.ts';
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

/**
 * Share of the last 7 days the host was online, measured over the time it has existed
 * (a host registered an hour ago is judged on that hour). A host with no history yet has
 * shown no downtime: 1. Credit is per UTC day, so near the window's far edge a day counts
 * whole or not at all: an approximation of at most one day's share. Rounded to hundredths,
 * so a heartbeat re-announces it (host.updated) exactly when the shown figure changes.
 */
export const reliability = (host: Pick<Host, 'uptime' | 'registeredAt' | 'status' | 'lastHeartbeatAt'> & Partial<Pick<Host, 'verification'>>, now: Date): number => {
  // Repeated failed verifications lower the figure (docs/verification.md).
  const factor = reliabilityFactor(host.verification);
  const windowStart = Math.max(new Date(host.registeredAt).getTime(), now.getTime() - WINDOW_DAYS * DAY_SECONDS * 1000);
  const observedSeconds = (now.getTime() - windowStart) / 1000;
  if (observedSeconds < 1) return factor;
  const oldestDay = dayOf(new Date(windowStart));
  const online = Object.entries(host.uptime)
    .filter(([day]) => day >= oldestDay)
    .reduce((sum, [, seconds]) => sum + seconds, 0);
  // An online host is online right now too: the sweep would have said otherwise.
  const sinceLastHeartbeat = host.status === 'online' ? Math.max(0, (now.getTime() - new Date(host.lastHeartbeatAt).getTime()) / 1000) : 0;
  // Hundredths: the one figure /v1/hosts and (through host snapshots) /v1/offers both show.
  return Math.round(Math.min(1, (online + sinceLastHeartbeat) / observedSeconds) * factor * 100) / 100;
};
