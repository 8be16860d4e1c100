import { z } from 'zod';
import { itemDecoder, storedMicroUsd } from '#platform/item-codec.ts';
import type { Lease } from '../domain/lease.ts';
import type { HourBucket } from '../ports.ts';

/** Codecs of the metering table's items (their keys and attributes are in items.ts). */

/** A lease: read once per batch of usage records, so only its own attributes are parsed. */
export const toLease = itemDecoder('lease', z.object({
  assignmentId: z.string(),
  jobId: z.string(),
  renterId: z.string(),
  providerId: z.string(),
  hostId: z.string(),
  gpuCount: z.number().int(),
  gpuModel: z.string(),
  pricePerGpuHour: storedMicroUsd,
  leaseStart: z.string().optional(),
  leaseEnd: z.string().optional(),
  endReason: z.string().optional(),
  billableUntil: z.string().optional(),
  ended: z.boolean().optional(),
}).transform(({ leaseStart, leaseEnd, endReason, billableUntil, ended, ...facts }): Lease => ({
  ...facts,
  ...(leaseStart ? { leaseStart } : {}),
  ...(leaseEnd ? { leaseEnd } : {}),
  ...(endReason ? { endReason } : {}),
  ...(billableUntil !== undefined ? { billableUntil } : {}),
  ended: ended === true,
})));

/** An assignment's hourly aggregate; the weighed figures are absent on hours written before they were kept. */
export const toHourBucket = itemDecoder('usage hour', z.object({
  hour: z.string(),
  gpuMs: z.number(),
  records: z.number().int(),
  utilizationGpuMs: z.number().default(0),
  weighedGpuMs: z.number().default(0),
})) satisfies (item: Record<string, unknown>) => HourBucket;

/** The assignment an item is about: a job's pointer to one of its leases, or a summary. */
export const toAssignmentIdOf = itemDecoder('assignment reference', z.object({ assignmentId: z.string() }).transform(({ assignmentId }) => assignmentId));
