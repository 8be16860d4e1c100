import { formatUsd, type MicroUsd } from '#platform/money.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import { acceptsWork, freeGpuIndices, freePorts, type HostCapacity, type Runtime } from './capacity.ts';
import { meetsMinimumBid, priceOn } from './interruptible.ts';
import { clearOfMaintenance, type RunSpan } from './maintenance-fit.ts';
import { describeServicePlacement, fitsServicePlacement, type ServicePlacement } from './service-spread.ts';
import { describeVerification, meetsVerification, type VerificationRequirement } from './verification-filter.ts';

/** What a job needs from each of its hosts. */
export interface Requirements extends VerificationRequirement {
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
  /** When the job could hold its hosts: a host with a maintenance window in this span is skipped. */
  readonly runSpan?: RunSpan;
  /** Public host ports the job needs on each host (its declared ports). */
  readonly ports?: number;
  /** A service replica: spread, restart in place, hosts its slot failed on (service-spread.ts). */
  readonly service?: ServicePlacement;
  /** Interruptible work: its bid, which is its price; the host's minimum bid must be met. */
  readonly bidPerGpuHour?: MicroUsd;
}

export interface PlacedHost {
  readonly hostId: string;
  readonly providerId: string;
  readonly gpuIndices: readonly number[];
  readonly gpuModel: string;
  readonly pricePerGpuHour: MicroUsd;
  readonly region: string;
  readonly publicAddress?: string;
  /** Host ports reserved for the job's declared ports, in their order. */
  readonly hostPorts?: readonly number[];
}

export type Placement =
  | { readonly kind: 'placed'; readonly hosts: readonly PlacedHost[] }
  | { readonly kind: 'unplaceable'; readonly reason: string };

type GpuFilter = (gpu: { model: string; vramMb: number }) => boolean;

/** Built once per placement: the model filters are split into words once, not per GPU. */
const gpuFilter = (requirements: Requirements): GpuFilter => {
  const models = requirements.models ?? [];
  const modelOk = models.length === 0 ? () => true : (model: string) => models.some((wanted) => gpuModelMatches(wanted, model));
  const known = new Map<string, boolean>();
  return (gpu) => {
    let ok = known.get(gpu.model);
    if (ok === undefined) known.set(gpu.model, (ok = modelOk(gpu.model)));
    return ok && (requirements.minVramMb === undefined || gpu.vramMb >= requirements.minVramMb);
  };
};

/** The free GPUs of one host this job could use, or undefined if the host cannot take it. */
export const candidateOn = (host: HostCapacity, requirements: Requirements, fits: GpuFilter = gpuFilter(requirements)): PlacedHost | undefined => {
  if (!acceptsWork(host)) return undefined;
  if (requirements.avoidHostIds?.includes(host.hostId)) return undefined;
  if (!meetsVerification(host, requirements)) return undefined;
  if (host.pricePerGpuHour > requirements.maxPricePerGpuHour || !meetsMinimumBid(host, requirements)) return undefined;
  if (!host.runtimes.includes(requirements.runtime)) return undefined;
  if (requirements.regions && requirements.regions.length > 0 && !requirements.regions.includes(host.region)) return undefined;
  if (requirements.hosts > 1 && !host.publicAddress) return undefined;
  if (requirements.runSpan && !clearOfMaintenance(host, requirements.runSpan)) return undefined;
  if (requirements.service && !fitsServicePlacement(host, requirements.service)) return undefined;
  const portCount = requirements.ports ?? 0;
  const hostPorts = portCount > 0 ? freePorts(host, portCount) : [];
  if (portCount > 0 && (!host.publicAddress || hostPorts.length < portCount)) return undefined;
  const free = freeGpuIndices(host);
  if (free.length < requirements.gpuCount) return undefined;
  // One model per host share, so a job's ranks run on like GPUs.
  const byModel = new Map<string, number[]>();
  for (const gpu of host.gpus) {
    if (!free.includes(gpu.index) || !fits(gpu)) continue;
    const indices = byModel.get(gpu.model) ?? [];
    indices.push(gpu.index);
    byModel.set(gpu.model, indices);
    if (indices.length === requirements.gpuCount) {
      return {
        hostId: host.hostId,
        providerId: host.providerId,
        gpuIndices: indices,
        gpuModel: gpu.model,
        pricePerGpuHour: priceOn(host, requirements),
        region: host.region,
        ...(host.publicAddress ? { publicAddress: host.publicAddress } : {}),
        ...(portCount > 0 ? { hostPorts } : {}),
      };
    }
  }
  return undefined;
};

/** A stable, per-job pseudo-random rank (FNV-1a), to break ties between like hosts. */
const tieRank = (seed: string, hostId: string): number => {
  let hash = 0x811c9dc5;
  for (const text of [seed, hostId]) {
    for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
};

/**
 * Cheapest first, then the more reliable; among equals, an order that differs per job
 * (stable for it), so concurrent placements spread over like hosts instead of racing for
 * the same one.
 */
const cheaperThenReliable = (reliabilityOf: (hostId: string) => number, seed: string) => (a: PlacedHost, b: PlacedHost) =>
  a.pricePerGpuHour - b.pricePerGpuHour ||
  reliabilityOf(b.hostId) - reliabilityOf(a.hostId) ||
  tieRank(seed, a.hostId) - tieRank(seed, b.hostId) ||
  a.hostId.localeCompare(b.hostId);

/** "8x H100 under 2.000000/GPU-hour in eu-west", as the renter wrote it. */
export const describeWanted = (requirements: Requirements): string => {
  const models = requirements.models && requirements.models.length > 0 ? ` ${requirements.models.join(' or ')}` : ' GPU';
  const vram = requirements.minVramMb ? ` with ${requirements.minVramMb} MB VRAM` : '';
  const regions = requirements.regions && requirements.regions.length > 0 ? ` in ${requirements.regions.join(' or ')}` : '';
  const ports = requirements.ports ? ` and ${requirements.ports} free public port(s) in its port range` : '';
  const price = requirements.bidPerGpuHour !== undefined ? `bidding ${formatUsd(requirements.bidPerGpuHour)}` : `under ${formatUsd(requirements.maxPricePerGpuHour)}`;
  return `${requirements.gpuCount}x${models}${vram} ${price}/GPU-hour${regions}${ports}${describeVerification(requirements)}${describeServicePlacement(requirements.service)} (${requirements.runtime})`;
};

const unplaceable = (requirements: Requirements, hosts: readonly HostCapacity[], found: number): Placement => {
  const wanted = describeWanted(requirements);
  if (requirements.hosts > 1) {
    const withAddress = hosts.filter((host) => host.publicAddress && acceptsWork(host)).length;
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
 * Pure: the caller reserves the result with a conditional write. `seed` (the job id) picks
 * among equally good hosts.
 */
export const place = (requirements: Requirements, hosts: Iterable<HostCapacity>, seed = ''): Placement => {
  const fleet = [...hosts];
  const fits = gpuFilter(requirements);
  const reliability = new Map<string, number>();
  const candidates: PlacedHost[] = [];
  for (const host of fleet) {
    const candidate = candidateOn(host, requirements, fits);
    if (candidate) {
      candidates.push(candidate);
      reliability.set(host.hostId, host.reliability);
    }
  }
  const order = cheaperThenReliable((hostId) => reliability.get(hostId) ?? 0, seed);
  if (candidates.length < requirements.hosts) return unplaceable(requirements, fleet, candidates.length);
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
    // Equal costs are settled by the sets' best hosts, so the choice never depends on the fleet's order.
    if (!bestSet || cost(set) < cost(bestSet) || (cost(set) === cost(bestSet) && order(set[0]!, bestSet[0]!) < 0)) bestSet = set;
  }
  return { kind: 'placed', hosts: bestSet ?? [...candidates].sort(order).slice(0, requirements.hosts) };
};
