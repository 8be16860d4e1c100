import type { MicroUsd } from '#platform/money.ts';
import { acceptsWork, freeGpuIndices, type Runtime } from '../domain/capacity.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import type { MatchingDeps } from './deps.ts';
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
}

/**
 * The marketplace view: capacity a job could get now, from listed, online hosts that are
 * not draining, counting only GPUs no assignment holds (no phantom GPUs), cheapest first.
 */
export const listOffers = async (filter: OfferFilter, deps: MatchingDeps): Promise<Offer[]> => {
  const offers: Offer[] = [];
  const wanted = { verifiedOnly: filter.verified ?? deps.settings.requireVerifiedByDefault ?? false, ...(filter.minScore !== undefined ? { minScore: filter.minScore } : {}) };
  // Offers promise capacity a job could get now: a copy at most a second old.
  for (const host of (await deps.candidates.all(1)).values()) {
    if (!acceptsWork(host)) continue;
    if (filter.region && host.region !== filter.region) continue;
    if (filter.maxPricePerGpuHour !== undefined && host.pricePerGpuHour > filter.maxPricePerGpuHour) continue;
    if (filter.runtime && !host.runtimes.includes(filter.runtime)) continue;
    if (!meetsVerification(host, wanted)) continue;
    const free = new Set(freeGpuIndices(host));
    const byModel = new Map<string, { vramMb: number; count: number }>();
    for (const gpu of host.gpus) {
      if (!free.has(gpu.index)) continue;
      if (filter.gpuModel && !gpuModelMatches(filter.gpuModel, gpu.model)) continue;
      if (filter.minVramMb !== undefined && gpu.vramMb < filter.minVramMb) continue;
      const known = byModel.get(gpu.model);
      byModel.set(gpu.model, { vramMb: Math.min(known?.vramMb ?? gpu.vramMb, gpu.vramMb), count: (known?.count ?? 0) + 1 });
    }
    const now = deps.clock.now().getTime();
    const next = host.maintenanceWindows?.filter((window) => Date.parse(window.endsAt) > now).sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
    for (const [gpuModel, { vramMb, count }] of byModel) {
      if (filter.count !== undefined && count < filter.count) continue;
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
      });
    }
  }
  return offers
    .sort((a, b) => a.pricePerGpuHour - b.pricePerGpuHour || b.reliability - a.reliability || a.hostId.localeCompare(b.hostId))
    .slice(0, filter.limit);
};
