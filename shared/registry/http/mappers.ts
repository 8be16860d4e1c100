import { formatUsd } from '#platform/money.ts';
import { acceptsWork, statusReason, type Host } from '../domain/host.ts';
import { stateOf, upcomingWindows, type MaintenanceWindow } from '../domain/maintenance.ts';
import { reliability } from '../domain/reliability.ts';
import { minimumBidOf } from '#matching/domain/interruptible.ts';
import type { HostVerification } from '../domain/verification/host-verification.ts';

/** The host's verification as providers read it: state, measured figures, the run in flight, the latest runs. */
export const verificationView = (verification: HostVerification | undefined) => ({
  state: verification?.state ?? 'unverified',
  since: verification?.since ?? null,
  verifiedAt: verification?.verifiedAt ?? null,
  score: verification?.score ?? null,
  gpus: verification?.gpus ?? [],
  reason: verification?.reason ?? null,
  nextRunAt: verification?.nextRunAt ?? null,
  inFlight: verification?.run
    ? { runId: verification.run.challenge.runId, issuedAt: verification.run.challenge.issuedAt, commitBy: verification.run.challenge.commitBy, committedAt: verification.run.committedAt ?? null }
    : null,
  runs: verification?.history.map((run) => ({ ...run, reason: run.reason ?? null, score: run.score ?? null })) ?? [],
});

export const maintenanceWindowView = (hostId: string, window: MaintenanceWindow, now: Date) => ({
  windowId: window.windowId,
  hostId,
  startsAt: window.startsAt,
  endsAt: window.endsAt,
  durationSeconds: Math.round((Date.parse(window.endsAt) - Date.parse(window.startsAt)) / 1000),
  category: window.category,
  note: window.note ?? null,
  state: stateOf(window, now),
  announcedAt: window.announcedAt,
  excusesDowntime: window.excusesDowntime,
});

export const hostView = (host: Host, now: Date) => ({
  hostId: host.hostId,
  hostname: host.hostname,
  status: host.status,
  listed: host.listed,
  acceptsWork: acceptsWork(host),
  draining: host.draining,
  statusReason: statusReason(host),
  gpus: host.gpus.map(({ index, model, name, vramMb, uuid }) => ({ index, model, name, vramMb, uuid })),
  pricePerGpuHour: formatUsd(host.pricePerGpuHour),
  minBidPerGpuHour: formatUsd(minimumBidOf(host)),
  region: host.region,
  runtimes: host.runtimes,
  cpuCores: host.cpuCores,
  memoryMb: host.memoryMb,
  diskGb: host.diskGb,
  publicAddress: host.publicAddress ?? null,
  portRange: host.portRange ?? null,
  simulated: host.simulated,
  registeredAt: host.registeredAt,
  lastHeartbeatAt: host.lastHeartbeatAt,
  lastAssignedAt: host.lastAssignedAt ?? null,
  reliability: reliability(host, now),
  maintenance: upcomingWindows(host.maintenance, now).map((window) => maintenanceWindowView(host.hostId, window, now)),
  verification: verificationView(host.verification),
});
