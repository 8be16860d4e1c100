import { z } from 'zod';

/** What matching needs to know of a host to offer and place on it. */
export const hostSnapshot = {
  hostId: z.string(),
  providerId: z.string(),
  status: z.enum(['online', 'unreachable', 'offline']),
  listed: z.boolean(),
  draining: z.boolean(),
  gpus: z.array(z.object({ index: z.number().int(), model: z.string(), vramMb: z.number().int(), uuid: z.string() })),
  pricePerGpuHour: z.number().int().describe('micro-USD the renter pays per GPU-hour'),
  region: z.string(),
  runtimes: z.array(z.enum(['docker', 'process'])),
  publicAddress: z.string().optional(),
  reliability: z.number().min(0).max(1),
  simulated: z.boolean(),
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
