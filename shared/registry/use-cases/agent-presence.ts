import { ConflictError, UnauthorizedError } from '#platform/errors.ts';
import { acceptsWork, statusReason } from '../domain/host.ts';
import { handedHeartbeatIntervalSeconds } from '../domain/heartbeat-interval.ts';
import { applyHeartbeat, applySignOff } from '../domain/lifecycle.ts';
import { upcomingWindows } from '../domain/maintenance.ts';
import { announcedWindow } from './host-events.ts';
import { mutateHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';
import { verificationOnHeartbeat } from './verify-host.ts';

export interface HeartbeatReport {
  readonly runningAssignments: readonly string[];
  readonly draining?: boolean;
  readonly gpuUtilization?: readonly number[];
  /** The agent's queue poll keeps failing: assignments cannot reach the host. */
  readonly queuePoll?: { readonly failingSince: string; readonly failures: number; readonly error: string };
  /** `gpuhive-agent verify`: issue a verification run now if none is in flight. */
  readonly requestVerification?: boolean;
  /** The run the agent gave up because a renter's assignment arrived. */
  readonly abortedVerification?: string;
}

/**
 * Records a heartbeat and tells the agent what the platform believes: the host's status,
 * the interval to use (server-set), and the assignments matching holds live on it, so the
 * agent can reconcile without waiting for any projection. `receivedAt` is when the API got the
 * request: liveness counts from then, however long the backend took to handle it.
 */
export const heartbeat = async (hostId: string, report: HeartbeatReport, deps: RegistryDeps, receivedAt?: Date) => {
  // Every host heartbeats every minute: the cheaper eventually consistent read comes first.
  const { host } = await mutateHost(
    hostId,
    (current, now) => verificationOnHeartbeat(current, applyHeartbeat(current, report, now, deps.settings, receivedAt), report, now, deps),
    deps,
    { eventualFirstRead: true },
  );
  if (host.deregisteredAt) throw new UnauthorizedError('This host was deregistered: register it again with a new token.');
  const assignments = await deps.liveAssignments.liveOn(hostId);
  return {
    status: host.status,
    statusReason: statusReason(host),
    listed: host.listed,
    acceptsWork: acceptsWork(host),
    heartbeatIntervalSeconds: handedHeartbeatIntervalSeconds(deps.settings),
    assignments,
    // The agent shows what is coming (gpuhive-agent status); nothing of it is enforced on the host.
    maintenance: upcomingWindows(host.maintenance, deps.clock.now()).map(announcedWindow),
    // A run in flight and not yet committed: the agent (re)starts it when idle (docs/verification.md).
    ...(host.verification?.run && !host.verification.run.commitment ? { verification: host.verification.run.challenge } : {}),
  };
};

/** A drained agent signs off: allowed only when nothing is live on the host. */
export const signOff = async (hostId: string, deps: RegistryDeps) => {
  const live = await deps.liveAssignments.liveOn(hostId);
  if (live.length > 0) {
    throw new ConflictError('assignments_live', `The host still has ${live.length} live assignment(s): let them finish or stop them first.`);
  }
  const { host } = await mutateHost(hostId, (current, now) => applySignOff(current, now), deps);
  return { status: host.status, statusReason: statusReason(host) };
};
