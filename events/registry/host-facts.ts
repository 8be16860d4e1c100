import { z } from 'zod';
import { MAINTENANCE_CATEGORIES } from '#contract/hosts.ts';

/** What a provider takes a host down for: the wire contract's list. */
export { MAINTENANCE_CATEGORIES };

/** A planned downtime of a host, as matching and renters are told of it. */
export const maintenanceWindow = z.object({
  windowId: z.string(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  category: z.enum(MAINTENANCE_CATEGORIES),
  note: z.string().optional(),
});

/** What matching needs to know of a host to offer and place on it. */
export const hostSnapshot = {
  hostId: z.string(),
  providerId: z.string(),
  status: z.enum(['online', 'unreachable', 'offline']),
  listed: z.boolean(),
  draining: z.boolean(),
  gpus: z.array(z.object({ index: z.number().int(), model: z.string(), vramMb: z.number().int(), uuid: z.string() })),
  pricePerGpuHour: z.number().int().describe('micro-USD the renter pays per GPU-hour'),
  /** The provider's minimum bid for interruptible work (0: none); absent: half the price. Added within v1. */
  minBidPerGpuHour: z.number().int().min(0).optional(),
  region: z.string(),
  runtimes: z.array(z.enum(['docker', 'process'])),
  publicAddress: z.string().optional(),
  /** Public ports forwarded to the host: only hosts with one (and a publicAddress) take jobs with ports. */
  portRange: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
  reliability: z.number().min(0).max(1),
  simulated: z.boolean(),
  /**
   * The provider's maintenance windows not yet ended (present once a host ever had one; empty
   * after the last is cancelled): matching places no work that could run into one.
   */
  maintenanceWindows: z.array(maintenanceWindow).optional(),
  /** Added within v1: absent from hosts announced before verification existed (read as unverified). */
  verification: z.object({ state: z.enum(['unverified', 'verified', 'failed', 'expired']), score: z.number().optional() }).optional(),
};

export const hostTransition = {
  hostId: z.string(),
  providerId: z.string(),
  since: z.iso.datetime(),
  /** The last heartbeat before the change: where work on a lost host stops being billable. */
  lastHeartbeatAt: z.iso.datetime().optional(),
};
