import { z } from 'zod';
import { itemDecoder, stored, storedMicroUsd, withoutKeys } from '#platform/item-codec.ts';
import type { CapacityWindow, HostCapacity, Runtime } from '../domain/capacity.ts';

/**
 * The codec of matching's capacity item (`HOST#<id>` / `CAPACITY`, keys in items.ts). A cold
 * matcher reads every host's item, so the codec checks what placement relies on (status,
 * GPUs, price, region, the GPUs held) and keeps the maintenance windows and the verification
 * whole, as the store wrote them from a HostCapacity.
 */

const HOST_STATUSES = ['online', 'unreachable', 'offline'] as const satisfies readonly HostCapacity['status'][];
const RUNTIMES = ['docker', 'process'] as const satisfies readonly Runtime[];

const heldGpus = z.looseObject({
  jobId: z.string(),
  gpuIndices: z.array(z.number().int()),
  hostPorts: z.array(z.number().int()).optional(),
  interruptible: z.object({ bidPerGpuHour: z.number(), since: z.string() }).optional(),
});

const capacitySchema = z.looseObject({
  hostId: z.string(),
  providerId: z.string(),
  status: z.enum(HOST_STATUSES),
  listed: z.boolean(),
  draining: z.boolean(),
  deregistered: z.boolean(),
  gpus: z.array(z.looseObject({ index: z.number().int(), model: z.string(), vramMb: z.number() })),
  pricePerGpuHour: storedMicroUsd,
  minBidPerGpuHour: storedMicroUsd.optional(),
  region: z.string(),
  runtimes: z.array(z.enum(RUNTIMES)),
  publicAddress: z.string().optional(),
  portRange: z.object({ from: z.number().int(), to: z.number().int() }).optional(),
  reliability: z.number(),
  maintenanceWindows: stored<readonly CapacityWindow[]>().optional(),
  verification: stored<NonNullable<HostCapacity['verification']>>().optional(),
  lastSeenAt: z.string().optional(),
  snapshotAt: z.string(),
  statusAt: z.string(),
  live: z.record(z.string(), heldGpus),
  revision: z.number().int(),
});

/** A host's capacity without the item's keys and index attributes. */
export const toCapacity = itemDecoder('host capacity', capacitySchema.transform((capacity): HostCapacity =>
  withoutKeys(capacity, ['pk', 'sk', 'gsi1pk', 'gsi1sk'])));
