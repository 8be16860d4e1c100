import type { MicroUsd } from '#platform/money.ts';
import { canonicalGpuModel } from './gpu-model.ts';
import type { Gpu, Host, HostFacts, LivenessSettings } from './host.ts';
import { creditHeartbeatGap, reliability } from './reliability.ts';
import { newVerification } from './verification/host-verification.ts';

/** What changed, in the words of the `host.*` events that announce it. */
export type HostChange = 'registered' | 'updated' | 'unreachable' | 'came_online' | 'went_offline' | 'deregistered';

export interface Transition {
  readonly host: Host;
  readonly changes: readonly HostChange[];
}

export const newHost = (
  facts: HostFacts,
  ids: { hostId: string; providerId: string; agentTokenHash: string },
  at: Date,
): Host => {
  const now = at.toISOString();
  const gpus: Gpu[] = [...facts.gpus]
    .sort((a, b) => a.index - b.index)
    .map((gpu) => ({ index: gpu.index, name: gpu.name, model: canonicalGpuModel(gpu.name), vramMb: gpu.vramMb, uuid: gpu.uuid }));
  return {
    ...facts,
    ...ids,
    gpus,
    runtimes: [...new Set(facts.runtimes)],
    simulated: facts.simulated ?? false,
    status: 'online',
    statusSince: now,
    listed: true,
    draining: false,
    deregistering: false,
    registeredAt: now,
    lastHeartbeatAt: now,
    uptime: {},
    // A new host has shown no downtime: its registration snapshot announces 1.
    publishedReliability: 1,
    // Due at once: a new host is challenged on its first idle heartbeat.
    verification: newVerification(at),
    revision: 0,
  };
};

/** The gap since the last heartbeat, credited; `excusedDowntime` stays absent on a host that never had any. */
const creditedGap = (host: Host, now: Date, settings: LivenessSettings): Pick<Host, 'uptime' | 'excusedDowntime'> => {
  const { uptime, excusedDowntime } = creditHeartbeatGap(host, new Date(host.lastHeartbeatAt), now, settings.unreachableAfterSeconds);
  return host.excusedDowntime || Object.keys(excusedDowntime).length > 0 ? { uptime, excusedDowntime } : { uptime };
};

/** When a host that is not online went down: an unreachable one's status dates from its last heartbeat. */
const wentDownAt = (host: Host, settings: LivenessSettings): number =>
  Date.parse(host.statusSince) + (host.status === 'unreachable' ? settings.unreachableAfterSeconds * 1000 : 0);

/**
 * A heartbeat refreshes liveness, credits uptime and brings an unreachable or offline host
 * back online (not one that signed off or was deregistered: those must register or run again).
 * It counts from when the API received it (`receivedAt`, no later than `now`), not from when it
 * was handled: one received before the host went down (a dying agent's last, handled late by a
 * busy backend) brings nothing back, and an older one never moves liveness back.
 */
export const applyHeartbeat = (
  host: Host,
  report: { draining?: boolean; gpuUtilization?: readonly number[]; queuePoll?: { failingSince: string; failures?: number; error: string } },
  now: Date,
  settings: LivenessSettings,
  receivedAt: Date = now,
): Transition => {
  // A late heartbeat, on a token still in the authorizer's cache, must not revive it.
  if (host.deregisteredAt) return { host, changes: [] };
  const changes: HostChange[] = [];
  // Hosts stored before the field existed compare with the figure before this beat, as then.
  const published = host.publishedReliability ?? reliability(host, now);
  const received = Math.min(receivedAt.getTime(), now.getTime());
  const heard = new Date(Math.max(received, new Date(host.lastHeartbeatAt).getTime()));
  let next: Host = {
    ...host,
    ...creditedGap(host, heard, settings),
    lastHeartbeatAt: heard.toISOString(),
    ...(report.gpuUtilization ? { gpuUtilization: report.gpuUtilization } : {}),
  };
  if (host.status !== 'online' && received >= wentDownAt(host, settings)) {
    const { signedOffAt: _signedOff, ...rest } = next;
    next = { ...rest, status: 'online', statusSince: now.toISOString() };
    changes.push('came_online');
  }
  // Only the start and the end of a failing queue poll are written (and announced), not each report.
  const queueChanged = Boolean(report.queuePoll) !== Boolean(host.queuePollFailing);
  if (queueChanged) {
    const { queuePollFailing: _cleared, ...rest } = next;
    next = report.queuePoll ? { ...next, queuePollFailing: { since: report.queuePoll.failingSince, error: report.queuePoll.error } } : rest;
  }
  if (report.draining !== undefined && report.draining !== host.draining) {
    next = { ...next, draining: report.draining };
    changes.push('updated');
  } else if (queueChanged) {
    changes.push('updated');
  }
  // Also on coming back: the downtime lowered the figure while no snapshot announced it.
  const current = reliability(next, now);
  if (current !== published && !changes.includes('updated')) changes.push('updated');
  if (changes.includes('updated')) next = { ...next, publishedReliability: current };
  return { host: next, changes };
};

/**
 * The sweeper's view of a silent host: unreachable after a short silence (no new work, but
 * nothing running is touched: a network blip must not cost a renter their job), offline
 * after the longer grace.
 */
export const applySilence = (host: Host, now: Date, settings: LivenessSettings): Transition => {
  const silentSeconds = (now.getTime() - new Date(host.lastHeartbeatAt).getTime()) / 1000;
  if (host.status !== 'offline' && silentSeconds >= settings.offlineAfterSeconds) {
    // A host the sweep first sees past both thresholds was unreachable on its way offline.
    const changes: HostChange[] = host.status === 'online' ? ['unreachable', 'went_offline'] : ['went_offline'];
    return { host: { ...host, status: 'offline', statusSince: now.toISOString() }, changes };
  }
  if (host.status === 'online' && silentSeconds >= settings.unreachableAfterSeconds) {
    return { host: { ...host, status: 'unreachable', statusSince: host.lastHeartbeatAt }, changes: ['unreachable'] };
  }
  return { host, changes: [] };
};

/** A drained agent that signs off takes its host offline at once. */
export const applySignOff = (host: Host, now: Date): Transition =>
  host.status === 'offline'
    ? { host, changes: [] }
    : { host: { ...host, status: 'offline', statusSince: now.toISOString(), signedOffAt: now.toISOString() }, changes: ['went_offline'] };

export interface HostPatch {
  readonly pricePerGpuHour?: MicroUsd;
  readonly listed?: boolean;
  readonly draining?: boolean;
  readonly publicAddress?: string;
  /** null removes it. */
  readonly portRange?: { readonly from: number; readonly to: number } | null;
  /** null returns to the default (half the price). */
  readonly minBidPerGpuHour?: MicroUsd | null;
}

const sameRange = (a: Host['portRange'], b: Host['portRange']): boolean => a?.from === b?.from && a?.to === b?.to;

export const applyPatch = (host: Host, patch: HostPatch): Transition => {
  const { portRange, minBidPerGpuHour, ...rest } = patch;
  const { portRange: _old, minBidPerGpuHour: _oldMinimum, ...base } = host;
  const range = portRange === undefined ? host.portRange : portRange ?? undefined;
  const minimum = minBidPerGpuHour === undefined ? host.minBidPerGpuHour : minBidPerGpuHour ?? undefined;
  const next: Host = { ...base, ...rest, ...(range ? { portRange: range } : {}), ...(minimum !== undefined ? { minBidPerGpuHour: minimum } : {}) };
  const changed =
    next.pricePerGpuHour !== host.pricePerGpuHour ||
    next.listed !== host.listed ||
    next.draining !== host.draining ||
    next.publicAddress !== host.publicAddress ||
    next.minBidPerGpuHour !== host.minBidPerGpuHour ||
    !sameRange(next.portRange, host.portRange);
  return { host: next, changes: changed ? ['updated'] : [] };
};

/** Deregistration first drains: running work finishes, nothing new is placed. */
export const requestDeregistration = (host: Host): Transition =>
  host.deregistering || host.deregisteredAt
    ? { host, changes: [] }
    : { host: { ...host, deregistering: true, draining: true }, changes: ['updated'] };

export const completeDeregistration = (host: Host, now: Date): Transition => ({
  host: {
    ...host,
    deregistering: false,
    deregisteredAt: now.toISOString(),
    status: 'offline',
    statusSince: now.toISOString(),
    listed: false,
  },
  changes: host.status === 'offline' ? ['deregistered'] : ['went_offline', 'deregistered'],
});
