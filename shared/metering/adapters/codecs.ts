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
}).transform((lease): Lease => {
  // Field by field: spreading a rest object of the parsed item costs far more than the parse.
  const read: { -readonly [K in keyof Lease]: Lease[K] } = {
    assignmentId: lease.assignmentId,
    jobId: lease.jobId,
    renterId: lease.renterId,
    providerId: lease.providerId,
    hostId: lease.hostId,
    gpuCount: lease.gpuCount,
    gpuModel: lease.gpuModel,
    pricePerGpuHour: lease.pricePerGpuHour,
    ended: lease.ended === true,
  };
  if (lease.leaseStart) read.leaseStart = lease.leaseStart;
  if (lease.leaseEnd) read.leaseEnd = lease.leaseEnd;
  if (lease.endReason) read.endReason = lease.endReason;
  if (lease.billableUntil !== undefined) read.billableUntil = lease.billableUntil;
  return read;
}));

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
