import type { MAINTENANCE_CATEGORIES } from '#events/registry/host-facts.ts';
import type { MicroUsd } from '#platform/money.ts';
import { freeHostPorts, type PortRange } from './ports.ts';

export type Runtime = 'docker' | 'process';

export interface CapacityGpu {
  readonly index: number;
  readonly model: string;
  readonly vramMb: number;
}

/** A maintenance window the provider scheduled on the host: no work that could run into it is placed there. */
export interface CapacityWindow {
  readonly windowId: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly category: (typeof MAINTENANCE_CATEGORIES)[number];
  readonly note?: string;
}

/** A GPU set held by one live assignment on the host. */
export interface HeldGpus {
  readonly jobId: string;
  readonly gpuIndices: readonly number[];
  /** Host ports of the host's public range it holds (jobs with ports). */
  readonly hostPorts?: readonly number[];
  /** Interruptible work: what it pays and since when it holds the GPUs (preemption decides on these). */
  readonly interruptible?: { readonly bidPerGpuHour: number; readonly since: string };
}

/**
 * Matching's own view of a host (a projection of the `host.*` events) and its reservation
 * state: which assignment holds which GPUs. Every reservation is a conditional write on
 * this item's revision, so no GPU is ever held twice.
 */
export interface HostCapacity {
  readonly hostId: string;
  readonly providerId: string;
  readonly status: 'online' | 'unreachable' | 'offline';
  readonly listed: boolean;
  readonly draining: boolean;
  readonly deregistered: boolean;
  readonly gpus: readonly CapacityGpu[];
  readonly pricePerGpuHour: MicroUsd;
  /** The lowest bid interruptible work must offer here (0: the host takes none); absent: half its price. */
  readonly minBidPerGpuHour?: MicroUsd;
  readonly region: string;
  readonly runtimes: readonly Runtime[];
  readonly publicAddress?: string;
  /** The public port range the provider forwards to this host: only such hosts take jobs with ports. */
  readonly portRange?: PortRange;
  readonly reliability: number;
  /** The provider's maintenance windows not yet ended when the last snapshot was made (absent: none ever). */
  readonly maintenanceWindows?: readonly CapacityWindow[];
  /** The registry's verification of the host, from its snapshots; absent: never verified. */
  readonly verification?: { readonly state: 'unverified' | 'verified' | 'failed' | 'expired'; readonly score?: number };
  /** When the host was last seen alive: the lease of work on it ends here if it is lost. */
  readonly lastSeenAt?: string;
  /** Occurrence times of the last snapshot and status applied: older events are ignored. */
  readonly snapshotAt: string;
  readonly statusAt: string;
  readonly live: Readonly<Record<string, HeldGpus>>;
  readonly revision: number;
}

export const acceptsWork = (host: HostCapacity): boolean =>
  host.status === 'online' && host.listed && !host.draining && !host.deregistered;

export const freeGpuIndices = (host: HostCapacity): number[] => {
  const held = new Set(Object.values(host.live).flatMap((assignment) => assignment.gpuIndices));
  return host.gpus.map((gpu) => gpu.index).filter((index) => !held.has(index));
};

const heldHostPorts = (host: HostCapacity): number[] => Object.values(host.live).flatMap((assignment) => assignment.hostPorts ?? []);

/** The lowest `count` host ports of the host's range that no live assignment holds. */
export const freePorts = (host: HostCapacity, count: number): number[] => freeHostPorts(host.portRange, heldHostPorts(host), count);

/** Whether these host ports are in the host's range and held by nobody. */
export const portsFree = (host: HostCapacity, ports: readonly number[]): boolean => {
  if (ports.length === 0) return true;
  const range = host.portRange;
  const held = new Set(heldHostPorts(host));
  return !!range && new Set(ports).size === ports.length && ports.every((port) => port >= range.from && port <= range.to && !held.has(port));
};

export const reserve = (host: HostCapacity, assignmentId: string, held: HeldGpus): HostCapacity => {
  const free = new Set(freeGpuIndices(host));
  if (!held.gpuIndices.every((index) => free.has(index))) throw new Error(`GPUs ${held.gpuIndices.join(',')} of ${host.hostId} are not free`);
  if (!portsFree(host, held.hostPorts ?? [])) throw new Error(`ports ${held.hostPorts?.join(',')} of ${host.hostId} are not free`);
  return { ...host, live: { ...host.live, [assignmentId]: held } };
};

export const release = (host: HostCapacity, assignmentId: string): HostCapacity => {
  if (!(assignmentId in host.live)) return host;
  const { [assignmentId]: _released, ...live } = host.live;
  return { ...host, live };
};
