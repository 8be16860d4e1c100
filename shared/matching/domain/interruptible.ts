import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { HeldGpus, HostCapacity } from './capacity.ts';

/**
 * The interruptible tier (docs/interruptible.md): idle GPUs sold to bidders below the list
 * price. A bid is the job's price; a host takes bids at or above its minimum.
 */

/** A host that sets no minimum takes bids from half its list price. */
export const DEFAULT_MIN_BID_SHARE = 0.5;

/** An interruptible job's price cap on hosts' list prices: none (the host's minimum bid decides). */
export const ANY_LIST_PRICE = microUsd(Number.MAX_SAFE_INTEGER);

/** The lowest bid a host takes; 0 means it takes no interruptible work. */
export const minimumBidOf = (host: Pick<HostCapacity, 'pricePerGpuHour' | 'minBidPerGpuHour'>): MicroUsd =>
  host.minBidPerGpuHour ?? microUsd(Math.ceil(host.pricePerGpuHour * DEFAULT_MIN_BID_SHARE));

/** Whether the host sells its idle GPUs at all. */
export const takesBids = (host: Pick<HostCapacity, 'pricePerGpuHour' | 'minBidPerGpuHour'>): boolean => minimumBidOf(host) > 0;

/** On-demand work always meets it; a bid must be at least the host's minimum (and the host must take bids). */
export const meetsMinimumBid = (host: Pick<HostCapacity, 'pricePerGpuHour' | 'minBidPerGpuHour'>, wanted: { readonly bidPerGpuHour?: MicroUsd }): boolean =>
  wanted.bidPerGpuHour === undefined || (takesBids(host) && wanted.bidPerGpuHour >= minimumBidOf(host));

/** What the work pays per GPU-hour on this host: its bid, or the host's price. */
export const priceOn = (host: Pick<HostCapacity, 'pricePerGpuHour'>, wanted: { readonly bidPerGpuHour?: MicroUsd }): MicroUsd =>
  wanted.bidPerGpuHour ?? host.pricePerGpuHour;

/** What an interruptible assignment's hold on its host records, for preemption to weigh. */
export const interruptibleHold = (assignment: { readonly interruptible?: true; readonly pricePerGpuHour?: MicroUsd; readonly offeredAt?: string }): Pick<HeldGpus, 'interruptible'> =>
  assignment.interruptible && assignment.pricePerGpuHour !== undefined && assignment.offeredAt !== undefined
    ? { interruptible: { bidPerGpuHour: assignment.pricePerGpuHour, since: assignment.offeredAt } }
    : {};
