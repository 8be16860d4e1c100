import type { MicroUsd } from '#platform/money.ts';
import type { MaintenanceWindow } from './maintenance.ts';
import type { HostVerification } from './verification/host-verification.ts';

export type HostStatus = 'online' | 'unreachable' | 'offline';
export type Runtime = 'docker' | 'process';
export const RUNTIMES = ['docker', 'process'] as const satisfies readonly Runtime[];

export interface Gpu {
  readonly index: number;
  /** Canonical model, e.g. "RTX 4090". */
  readonly model: string;
  /** The name the host reported, kept for support. */
  readonly name: string;
  readonly vramMb: number;
  readonly uuid: string;
}

/** What an agent reports of its machine when it registers. */
export interface HostFacts {
  readonly hostname: string;
  readonly region: string;
  readonly pricePerGpuHour: MicroUsd;
  readonly gpus: readonly Omit<Gpu, 'model'>[];
  readonly cpuCores: number;
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly runtimes: readonly Runtime[];
  readonly driverVersion?: string;
  readonly cudaVersion?: string;
  readonly bandwidthMbps?: number;
  readonly publicAddress?: string;
  /** Public TCP ports forwarded to this host, handed to jobs' declared ports. */
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly simulated?: boolean;
  /** The lowest bid for its idle GPUs (docs/interruptible.md); absent: half its price; 0: none sold. */
  readonly minBidPerGpuHour?: MicroUsd;
}

export interface Host extends Omit<HostFacts, 'gpus' | 'simulated'> {
  readonly hostId: string;
  readonly providerId: string;
  readonly gpus: readonly Gpu[];
  readonly simulated: boolean;
  readonly status: HostStatus;
  readonly statusSince: string;
  readonly listed: boolean;
  readonly draining: boolean;
  /** The provider asked to deregister; it completes once no work is live. */
  readonly deregistering: boolean;
  readonly deregisteredAt?: string;
  readonly signedOffAt?: string;
  readonly registeredAt: string;
  readonly lastHeartbeatAt: string;
  readonly lastAssignedAt?: string;
  readonly gpuUtilization?: readonly number[];
  /**
   * Set while the agent reports that its assignment queue cannot be polled (a queue that moved,
   * a firewall): work placed here would never arrive, so none is placed until it clears.
   */
  readonly queuePollFailing?: { readonly since: string; readonly error: string };
  /** Online seconds per UTC day (`YYYY-MM-DD`), for the reliability figure. */
  readonly uptime: Readonly<Record<string, number>>;
  /**
   * Seconds per UTC day the host was offline inside a maintenance window announced far enough
   * ahead: left out of the time its reliability is judged on (kept with `uptime`, in the pulse).
   */
  readonly excusedDowntime?: Readonly<Record<string, number>>;
  /** Maintenance windows the provider scheduled: upcoming, in progress, and recently ended ones. */
  readonly maintenance?: readonly MaintenanceWindow[];
  /**
   * The reliability last announced to matching in a host snapshot: a heartbeat announces it
   * again whenever the figure differs, so `/v1/offers` shows what `/v1/hosts` does.
   */
  readonly publishedReliability?: number;
  readonly agentTokenHash: string;
  /** The platform's proof of what the host claims (docs/verification.md); absent on hosts stored before it existed. */
  readonly verification?: HostVerification;
  /** Optimistic-concurrency counter: every write checks and bumps it. */
  readonly revision: number;
}

/** Timings the platform owns, so they can be tuned without touching agents. */
export interface LivenessSettings {
  readonly heartbeatIntervalSeconds: number;
  readonly unreachableAfterSeconds: number;
  readonly offlineAfterSeconds: number;
}

export const DEFAULT_LIVENESS: LivenessSettings = {
  heartbeatIntervalSeconds: 60,
  unreachableAfterSeconds: 90,
  offlineAfterSeconds: 600,
};

/** Whether new work may be placed here (matching keeps its own copy of these facts). */
export const acceptsWork = (host: Host): boolean =>
  host.status === 'online' && host.listed && !host.draining && !host.deregistering && !host.queuePollFailing && !verificationFailed(host);

/** A host whose verification failed is unlisted for placement until a run passes again. */
export const verificationFailed = (host: Pick<Host, 'verification'>): boolean => host.verification?.state === 'failed';

/** The one line a provider reads to learn why a host gets no work, or null when it can. */
export const statusReason = (host: Host): string | null => {
  if (host.deregisteredAt) return `deregistered at ${host.deregisteredAt}`;
  if (host.deregistering) return 'deregistering: waiting for running work to finish';
  if (host.status === 'offline') {
    return host.signedOffAt ? `signed off at ${host.signedOffAt}` : `offline since ${host.statusSince}: no heartbeat since ${host.lastHeartbeatAt}`;
  }
  if (host.status === 'unreachable') return `unreachable since ${host.statusSince}: no heartbeat since ${host.lastHeartbeatAt}`;
  if (host.draining) return 'draining: running work finishes, no new work is assigned';
  if (!host.listed) return 'unlisted: not offered to renters';
  if (host.verification?.state === 'failed') {
    return `unlisted until it passes verification again: ${host.verification.reason ?? 'the last run failed'}; fix it and run gpuhive-agent verify on the host`;
  }
  if (host.queuePollFailing) {
    return `not receiving work: the agent cannot poll its assignment queue since ${host.queuePollFailing.since} (${host.queuePollFailing.error}); it renews its queue credentials on its own, and gpuhive-agent doctor on the host says what else to fix`;
  }
  if (!host.lastAssignedAt) return 'never assigned';
  return null;
};
