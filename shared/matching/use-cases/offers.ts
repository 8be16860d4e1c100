import type { MicroUsd } from '#platform/money.ts';
import { acceptsWork, freeGpuIndices, type HostCapacity, type Runtime } from '../domain/capacity.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import type { MatchingDeps } from './deps.ts';
import { minimumBidOf, takesBids } from '../domain/interruptible.ts';

/** Per GPU model, the lowest bid of the interruptible work running on it. */
const lowestRunningBids = (hosts: Iterable<HostCapacity>): Map<string, MicroUsd> => {
  const lowest = new Map<string, MicroUsd>();
  for (const host of hosts) {
    for (const held of Object.values(host.live)) {
      if (!held.interruptible) continue;
      const model = host.gpus.find((gpu) => gpu.index === held.gpuIndices[0])?.model;
      const bid = held.interruptible.bidPerGpuHour as MicroUsd;
      if (model !== undefined && bid < (lowest.get(model) ?? Number.POSITIVE_INFINITY)) lowest.set(model, bid);
    }
  }
  return lowest;
};
import { isVerified, meetsVerification } from '../domain/verification-filter.ts';

export interface OfferFilter {
  readonly gpuModel?: string;
  readonly minVramMb?: number;
  readonly region?: string;
  readonly maxPricePerGpuHour?: MicroUsd;
  /** GPUs wanted on one host. */
  readonly count?: number;
  readonly runtime?: Runtime;
  /** Default: the platform's (requireVerifiedByDefault). */
  readonly verified?: boolean;
  readonly minScore?: number;
  readonly limit: number;
}

export interface Offer {
  readonly hostId: string;
  readonly gpuModel: string;
  readonly vramMb: number;
  readonly availableGpus: number;
  readonly pricePerGpuHour: MicroUsd;
  readonly region: string;
  readonly runtimes: readonly Runtime[];
  readonly reliability: number;
  readonly multiHost: boolean;
  /** The host's next maintenance window not yet ended: work placed here must end before it starts. */
  readonly nextMaintenance: { readonly startsAt: string; readonly endsAt: string } | null;
  readonly verified: boolean;
  readonly score: number | null;
  /** GPUs of this model held by interruptible work: on-demand work takes them by preemption (docs/interruptible.md). */
  readonly preemptibleGpus: number;
  /** The host's lowest bid for idle GPUs; null when it sells none. */
  readonly minBidPerGpuHour: MicroUsd | null;
  /** The going interruptible price of the model: the lowest bid running on it anywhere; null when none runs. */
  readonly lowestRunningBidPerGpuHour: MicroUsd | null;
}

/** How old the pools an offers request asks about may be: offers promise capacity a job could get now. */
export const OFFERS_FRESH_SECONDS = 1;

/**
 * The matcher's copy of the fleet for an offers request: the pools the filter names (its model,
 * its region) at most a second old, the other capacity shards as old as placement's copy
 * (`CandidateCache.lookAgain`); a few of the 32 shards each second, not all of them. A request
 * that names neither model nor region brings every shard up to date.
 */
const freshFor = (filter: Pick<OfferFilter, 'gpuModel' | 'region'>, deps: MatchingDeps) => {
  if (!filter.gpuModel && !filter.region) return deps.candidates.serving(OFFERS_FRESH_SECONDS);
  return deps.candidates.lookAgain(OFFERS_FRESH_SECONDS, [{ ...(filter.gpuModel ? { models: [filter.gpuModel] } : {}), ...(filter.region ? { regions: [filter.region] } : {}) }]);
};

/**
 * The marketplace view: capacity a job could get now, from listed, online hosts that are
 * not draining, counting only GPUs no assignment holds (no phantom GPUs), cheapest first.
 */
export const listOffers = async (filter: OfferFilter, deps: MatchingDeps): Promise<Offer[]> => {
  const offers: Offer[] = [];
  const fleet = await freshFor(filter, deps);
  const lowestBids = lowestRunningBids(fleet.values());
  const wanted = { verifiedOnly: filter.verified ?? deps.settings.requireVerifiedByDefault ?? false, ...(filter.minScore !== undefined ? { minScore: filter.minScore } : {}) };
  for (const host of fleet.values()) {
    if (!acceptsWork(host)) continue;
    if (filter.region && host.region !== filter.region) continue;
    if (filter.maxPricePerGpuHour !== undefined && host.pricePerGpuHour > filter.maxPricePerGpuHour) continue;
    if (filter.runtime && !host.runtimes.includes(filter.runtime)) continue;
    if (!meetsVerification(host, wanted)) continue;
    const free = new Set(freeGpuIndices(host));
    const preemptible = new Set(Object.values(host.live).flatMap((held) => (held.interruptible ? held.gpuIndices : [])));
    const byModel = new Map<string, { vramMb: number; count: number; preemptible: number }>();
    for (const gpu of host.gpus) {
      if (!free.has(gpu.index) && !preemptible.has(gpu.index)) continue;
      if (filter.gpuModel && !gpuModelMatches(filter.gpuModel, gpu.model)) continue;
      if (filter.minVramMb !== undefined && gpu.vramMb < filter.minVramMb) continue;
      const known = byModel.get(gpu.model);
      const isFree = free.has(gpu.index);
      byModel.set(gpu.model, {
        vramMb: Math.min(known?.vramMb ?? gpu.vramMb, gpu.vramMb),
        count: (known?.count ?? 0) + (isFree ? 1 : 0),
        preemptible: (known?.preemptible ?? 0) + (isFree ? 0 : 1),
      });
    }
    const now = deps.clock.now().getTime();
    const next = host.maintenanceWindows?.filter((window) => Date.parse(window.endsAt) > now).sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
    for (const [gpuModel, { vramMb, count, preemptible: preemptibleGpus }] of byModel) {
      if (filter.count !== undefined && count + preemptibleGpus < filter.count) continue;
      offers.push({
        hostId: host.hostId,
        gpuModel,
        vramMb,
        availableGpus: count,
        pricePerGpuHour: host.pricePerGpuHour,
        region: host.region,
        runtimes: host.runtimes,
        reliability: host.reliability,
        multiHost: Boolean(host.publicAddress),
        nextMaintenance: next ? { startsAt: next.startsAt, endsAt: next.endsAt } : null,
        verified: isVerified(host),
        score: isVerified(host) ? (host.verification?.score ?? null) : null,
        preemptibleGpus,
        minBidPerGpuHour: takesBids(host) ? minimumBidOf(host) : null,
        lowestRunningBidPerGpuHour: lowestBids.get(gpuModel) ?? null,
      });
    }
  }
  return offers
    .sort((a, b) => a.pricePerGpuHour - b.pricePerGpuHour || b.reliability - a.reliability || a.hostId.localeCompare(b.hostId))
    .slice(0, filter.limit);
};
