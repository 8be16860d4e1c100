import { formatUsd, type MicroUsd } from '#platform/money.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import { acceptsWork, freeGpuIndices, type HostCapacity, type Runtime } from './capacity.ts';

/** What a job needs from each of its hosts. */
export interface Requirements {
  /** GPUs on each host. */
  readonly gpuCount: number;
  readonly models?: readonly string[];
  readonly minVramMb?: number;
  readonly hosts: number;
  readonly regions?: readonly string[];
  readonly maxPricePerGpuHour: MicroUsd;
  readonly runtime: Runtime;
  /** Hosts that already failed this job. */
  readonly avoidHostIds?: readonly string[];
}

export interface PlacedHost {
  readonly hostId: string;
  readonly providerId: string;
  readonly gpuIndices: readonly number[];
  readonly gpuModel: string;
  readonly pricePerGpuHour: MicroUsd;
  readonly region: string;
  readonly publicAddress?: string;
}

export type Placement =
  | { readonly kind: 'placed'; readonly hosts: readonly PlacedHost[] }
  | { readonly kind: 'unplaceable'; readonly reason: string };

const gpuFits = (requirements: Requirements) => (gpu: { model: string; vramMb: number }) =>
  (!requirements.models || requirements.models.length === 0 || requirements.models.some((model) => gpuModelMatches(model, gpu.model))) &&
  (requirements.minVramMb === undefined || gpu.vramMb >= requirements.minVramMb);

/** The free GPUs of one host this job could use, or undefined if the host cannot take it. */
export const candidateOn = (host: HostCapacity, requirements: Requirements): PlacedHost | undefined => {
  if (!acceptsWork(host)) return undefined;
  if (requirements.avoidHostIds?.includes(host.hostId)) return undefined;
  if (host.pricePerGpuHour > requirements.maxPricePerGpuHour) return undefined;
  if (!host.runtimes.includes(requirements.runtime)) return undefined;
  if (requirements.regions && requirements.regions.length > 0 && !requirements.regions.includes(host.region)) return undefined;
  if (requirements.hosts > 1 && !host.publicAddress) return undefined;
  const free = new Set(freeGpuIndices(host));
  const fits = gpuFits(requirements);
  // One model per host share, so a job's ranks run on like GPUs.
  const byModel = new Map<string, number[]>();
  for (const gpu of host.gpus) {
    if (!free.has(gpu.index) || !fits(gpu)) continue;
    byModel.set(gpu.model, [...(byModel.get(gpu.model) ?? []), gpu.index]);
  }
  for (const [model, indices] of byModel) {
    if (indices.length >= requirements.gpuCount) {
      return {
        hostId: host.hostId,
        providerId: host.providerId,
        gpuIndices: indices.slice(0, requirements.gpuCount),
        gpuModel: model,
        pricePerGpuHour: host.pricePerGpuHour,
        region: host.region,
        ...(host.publicAddress ? { publicAddress: host.publicAddress } : {}),
      };
    }
  }
  return undefined;
};

/** Cheapest first, then the more reliable, then the host id for a stable order. */
const cheaperThenReliable = (reliabilityOf: (hostId: string) => number) => (a: PlacedHost, b: PlacedHost) =>
  a.pricePerGpuHour - b.pricePerGpuHour || reliabilityOf(b.hostId) - reliabilityOf(a.hostId) || a.hostId.localeCompare(b.hostId);

/** "8x H100 under 2.000000/GPU-hour in eu-west", as the renter wrote it. */
export const describeWanted = (requirements: Requirements): string => {
  const models = requirements.models && requirements.models.length > 0 ? ` ${requirements.models.join(' or ')}` : ' GPU';
  const vram = requirements.minVramMb ? ` with ${requirements.minVramMb} MB VRAM` : '';
  const regions = requirements.regions && requirements.regions.length > 0 ? ` in ${requirements.regions.join(' or ')}` : '';
  return `${requirements.gpuCount}x${models}${vram} under ${formatUsd(requirements.maxPricePerGpuHour)}/GPU-hour${regions} (${requirements.runtime})`;
};

const unplaceable = (requirements: Requirements, hosts: Iterable<HostCapacity>, found: number): Placement => {
  const wanted = describeWanted(requirements);
  if (requirements.hosts > 1) {
    const withAddress = [...hosts].filter((host) => host.publicAddress && acceptsWork(host)).length;
    if (withAddress < requirements.hosts) {
      return { kind: 'unplaceable', reason: `a ${requirements.hosts}-host job needs hosts with a public address: only ${withAddress} online host(s) registered one` };
    }
    return { kind: 'unplaceable', reason: `only ${found} of ${requirements.hosts} hosts free that offer ${wanted}` };
  }
  return { kind: 'unplaceable', reason: `no online host offers ${wanted}` };
};

/**
 * Chooses hosts and GPUs for a job, or says why it cannot be placed now. A single-host job
 * takes the cheapest fitting host (then the most reliable); a multi-host job takes the
 * cheapest set within one region when one region can hold it, else the cheapest set.
 * Pure: the caller reserves the result with a conditional write.
 */
export const place = (requirements: Requirements, hosts: Iterable<HostCapacity>): Placement => {
  const reliability = new Map<string, number>();
  const candidates: PlacedHost[] = [];
  for (const host of hosts) {
    const candidate = candidateOn(host, requirements);
    if (candidate) {
      candidates.push(candidate);
      reliability.set(host.hostId, host.reliability);
    }
  }
  const order = cheaperThenReliable((hostId) => reliability.get(hostId) ?? 0);
  if (candidates.length < requirements.hosts) return unplaceable(requirements, hosts, candidates.length);
  if (requirements.hosts === 1) {
    let best = candidates[0] as PlacedHost;
    for (const candidate of candidates) if (order(candidate, best) < 0) best = candidate;
    return { kind: 'placed', hosts: [best] };
  }
  const byRegion = new Map<string, PlacedHost[]>();
  for (const candidate of candidates) byRegion.set(candidate.region, [...(byRegion.get(candidate.region) ?? []), candidate]);
  const cost = (set: readonly PlacedHost[]) => set.reduce((sum, host) => sum + host.pricePerGpuHour, 0);
  let bestSet: PlacedHost[] | undefined;
  for (const regional of byRegion.values()) {
    if (regional.length < requirements.hosts) continue;
    const set = [...regional].sort(order).slice(0, requirements.hosts);
    if (!bestSet || cost(set) < cost(bestSet)) bestSet = set;
  }
  return { kind: 'placed', hosts: bestSet ?? [...candidates].sort(order).slice(0, requirements.hosts) };
};
