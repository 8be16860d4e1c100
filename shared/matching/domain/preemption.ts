import { acceptsWork, freeGpuIndices, freePorts, type HeldGpus, type HostCapacity } from './capacity.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';
import { place, type PlacedHost, type Requirements } from './placement.ts';

/** Preemption's knobs (docs/interruptible.md). */
export interface PreemptionSettings {
  /** PREEMPTION_GRACE_SECONDS: from the preempt message to SIGKILL and the end of billing. */
  readonly graceSeconds: number;
  /** PREEMPT_MIN_RUN_SECONDS: a bidder holds its GPUs at least this long against higher bids (never against on-demand work). */
  readonly minRunSeconds: number;
}

export const DEFAULT_PREEMPTION_SETTINGS: PreemptionSettings = { graceSeconds: 30, minRunSeconds: 300 };

/** One interruptible job that must give way, and the hosts it is on. */
export interface Victim {
  readonly jobId: string;
  readonly assignmentIds: readonly string[];
}

export interface PreemptionPlan {
  /** Where the waiting work goes: GPUs free now, or held by the victims until their deadline. */
  readonly hosts: readonly PlacedHost[];
  readonly victims: readonly Victim[];
}

/**
 * Whether a hold may be taken from its interruptible owner for this work: any bid gives way to
 * on-demand work; a bid gives way to a strictly higher bid once it ran `minRunSeconds`, so a
 * bidder is not flapped every second.
 */
export const preemptibleFor = (held: HeldGpus, wanted: Pick<Requirements, 'bidPerGpuHour'>, now: Date, minRunSeconds: number): boolean => {
  if (!held.interruptible) return false;
  if (wanted.bidPerGpuHour === undefined) return true;
  return held.interruptible.bidPerGpuHour < wanted.bidPerGpuHour && Date.parse(held.interruptible.since) + minRunSeconds * 1000 <= now.getTime();
};

/** The host as it would be with every hold this work may preempt released: the host itself where there is none. */
const withoutPreemptible = (host: HostCapacity, wanted: Requirements, now: Date, minRunSeconds: number): HostCapacity => {
  const mayTake = (held: HeldGpus) => preemptibleFor(held, wanted, now, minRunSeconds);
  if (!Object.values(host.live).some(mayTake)) return host;
  return { ...host, live: Object.fromEntries(Object.entries(host.live).filter(([, held]) => !mayTake(held))) };
};

/** Cheapest victims first, then the youngest (the least work lost); the whole hold goes. */
const cheaperThenYounger = ([, a]: [string, HeldGpus], [, b]: [string, HeldGpus]): number =>
  (a.interruptible?.bidPerGpuHour ?? 0) - (b.interruptible?.bidPerGpuHour ?? 0) || (b.interruptible?.since ?? '').localeCompare(a.interruptible?.since ?? '');

/**
 * On one chosen host: the GPUs to take (free ones first, then whole preemptible holds, cheapest
 * first) and the holds that must go. Undefined if the host cannot give them after all.
 */
const takeOnHost = (host: HostCapacity, chosen: PlacedHost, wanted: Requirements, now: Date, minRunSeconds: number) => {
  const fits = (index: number): boolean => {
    const gpu = host.gpus.find((candidate) => candidate.index === index);
    return !!gpu && gpu.model === chosen.gpuModel && (wanted.minVramMb === undefined || gpu.vramMb >= wanted.minVramMb);
  };
  const taken = freeGpuIndices(host).filter(fits).slice(0, wanted.gpuCount);
  const released: string[] = [];
  const holds = Object.entries(host.live).filter(([, held]) => preemptibleFor(held, wanted, now, minRunSeconds)).sort(cheaperThenYounger);
  for (const [assignmentId, held] of holds) {
    if (taken.length >= wanted.gpuCount) break;
    const usable = held.gpuIndices.filter(fits);
    if (usable.length === 0) continue;
    released.push(assignmentId);
    taken.push(...usable.slice(0, wanted.gpuCount - taken.length));
  }
  if (taken.length < wanted.gpuCount) return undefined;
  const after: HostCapacity = { ...host, live: Object.fromEntries(Object.entries(host.live).filter(([assignmentId]) => !released.includes(assignmentId))) };
  const portCount = wanted.ports ?? 0;
  const hostPorts = portCount > 0 ? freePorts(after, portCount) : [];
  if (hostPorts.length < portCount) return undefined;
  const { hostPorts: _viewPorts, ...placed } = chosen;
  return {
    placed: { ...placed, gpuIndices: [...taken].sort((a, b) => a - b), ...(portCount > 0 ? { hostPorts } : {}) } as PlacedHost,
    released: released.map((assignmentId) => ({ assignmentId, jobId: (host.live[assignmentId] as HeldGpus).jobId })),
  };
};

const mayServe = (host: HostCapacity, wanted: Requirements): boolean =>
  acceptsWork(host) &&
  (!wanted.regions || wanted.regions.length === 0 || wanted.regions.includes(host.region)) &&
  (!wanted.models || wanted.models.length === 0 || host.gpus.some((gpu) => wanted.models?.some((model) => gpuModelMatches(model, gpu.model))));

/**
 * Work that fits nowhere free (on-demand, or a higher bid): where it would fit if
 * interruptible holds it may preempt were released, and which jobs must give way. Chooses
 * hosts as `place` would over that view, then takes free GPUs before preempting and preempts
 * the cheapest bids first. Undefined when even that would not make room. Pure.
 */
export const planPreemption = (wanted: Requirements, hosts: Iterable<HostCapacity>, now: Date, minRunSeconds: number, seed = ''): PreemptionPlan | undefined => {
  const real = new Map<string, HostCapacity>();
  const views: HostCapacity[] = [];
  let anyPreemptible = false;
  for (const host of hosts) {
    if (!mayServe(host, wanted)) continue;
    real.set(host.hostId, host);
    const view = withoutPreemptible(host, wanted, now, minRunSeconds);
    if (view !== host) anyPreemptible = true;
    views.push(view);
  }
  // With no hold to take, any room found would need no preemption (the end of this function
  // says so too): a full fleet of on-demand work is not searched once more per waiting job.
  if (!anyPreemptible) return undefined;
  const placement = place(wanted, views, seed);
  if (placement.kind !== 'placed') return undefined;
  const placed: PlacedHost[] = [];
  const victims = new Map<string, string[]>();
  for (const chosen of placement.hosts) {
    const taken = takeOnHost(real.get(chosen.hostId) as HostCapacity, chosen, wanted, now, minRunSeconds);
    if (!taken) return undefined;
    placed.push(taken.placed);
    for (const { assignmentId, jobId } of taken.released) victims.set(jobId, [...(victims.get(jobId) ?? []), assignmentId]);
  }
  // Room that needs no preemption is ordinary placement's business.
  if (victims.size === 0) return undefined;
  return { hosts: placed, victims: [...victims].map(([jobId, assignmentIds]) => ({ jobId, assignmentIds })) };
};

/** On-demand work first (interruptible work takes only what it does not want), then bids, highest first. */
export const placementOrder = <T extends { readonly spec: { readonly tier?: 'interruptible'; readonly bidPerGpuHour?: number } }>(jobs: readonly T[]): T[] =>
  [...jobs].sort((a, b) => {
    const aBid = a.spec.tier === 'interruptible' ? (a.spec.bidPerGpuHour ?? 0) : Number.POSITIVE_INFINITY;
    const bBid = b.spec.tier === 'interruptible' ? (b.spec.bidPerGpuHour ?? 0) : Number.POSITIVE_INFINITY;
    return aBid === bBid ? 0 : bBid > aBid ? 1 : -1;
  });
