import { z } from 'zod';
import { itemDecoder, storedMicroUsd } from '#platform/item-codec.ts';
import type { Lease } from '../domain/lease.ts';
import type { ClipReason, RejectReason } from '../domain/usage.ts';
import type { HourBucket, StoredStatus, StoredUsage, UsageSummary } from '../ports.ts';

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

const STORED_STATUSES = ['accepted', 'rejected', 'pending'] as const satisfies readonly StoredStatus[];
const CLIP_REASONS = ['outside_lease', 'already_covered', 'exceeds_gpu_capacity'] as const satisfies readonly ClipReason[];
const REJECT_REASONS = ['outside_lease', 'already_covered', 'lease_never_started', 'not_your_assignment', 'lease_never_arrived'] as const satisfies readonly RejectReason[];

/**
 * A usage record as stored (or its pending pointer, which carries the same attributes): the
 * record as received, and the verdict's attributes it has. Read for every record of a batch
 * already seen, so optional attributes stay absent rather than being copied in as undefined.
 */
export const toStoredUsage = itemDecoder('usage record', z.object({
  eventId: z.string(),
  assignmentId: z.string(),
  from: z.string(),
  to: z.string(),
  gpuSeconds: z.number(),
  gpuUtilization: z.number().optional(),
  hostId: z.string(),
  receivedAt: z.string(),
  status: z.enum(STORED_STATUSES),
  usageRecordId: z.string().optional(),
  gpuMs: z.number().optional(),
  acceptedFrom: z.string().optional(),
  acceptedTo: z.string().optional(),
  clipped: z.array(z.enum(CLIP_REASONS)).optional(),
  reason: z.enum(REJECT_REASONS).optional(),
  judgedAt: z.string().optional(),
})) satisfies (item: Record<string, unknown>) => StoredUsage;

/** What a record's place in its record group says (items.ts): the group item's key its assignment and host, its attribute's name its event id. */
export interface RecordPlace {
  readonly assignmentId: string;
  readonly hostId: string;
  readonly eventId: string;
}

/**
 * A record's value in its record group (items.ts). A judged record is kept as JSON text: one
 * string attribute instead of a map of a dozen, which DynamoDB (and DynamoDB Local, which
 * parses, sizes and validates every attribute of every write) handles as one value. Nothing
 * reads a judged record's fields in an expression; its dedup key is the attribute's name. A
 * pending record stays a map: its judgment is conditioned on its `status`.
 *
 * The text leaves out what its place says (`RecordPlace`) and what equals another of its
 * fields: an accepted record's `acceptedFrom` / `acceptedTo` when unclipped (its `from` /
 * `to`), its empty `clipped`, and `judgedAt` when judged as received (`receivedAt`). About
 * 200 bytes instead of 460: every byte is written, escaped and parsed again by both processes.
 * Text written before carries every field (`eventId` among them) and reads as it was.
 */
export const groupedRecordValue = (usage: StoredUsage): StoredUsage | string => {
  if (usage.status === 'pending') return usage;
  const { eventId: _eventId, assignmentId: _assignmentId, hostId: _hostId, ...own } = usage;
  const text: Record<string, unknown> = own;
  for (const [field, applies, usual] of USUAL) {
    if (!applies(usage.status)) continue;
    if (isUsual(text[field], usual(text))) delete text[field];
    // One the record lacks where it usually has it is written as null, so it reads back absent.
    else text[field] ??= null;
  }
  return JSON.stringify(text);
};

/** The fields `groupedRecordValue` leaves out when they have their usual value, and that value; both sides read this one list. */
const USUAL: readonly (readonly [field: string, applies: (status: unknown) => boolean, usual: (text: Record<string, unknown>) => unknown])[] = [
  ['acceptedFrom', (status) => status === 'accepted', (text) => text.from],
  ['acceptedTo', (status) => status === 'accepted', (text) => text.to],
  ['clipped', (status) => status === 'accepted', () => []],
  ['judgedAt', () => true, (text) => text.receivedAt],
];

const isUsual = (value: unknown, usual: unknown): boolean =>
  Array.isArray(usual) ? Array.isArray(value) && value.length === 0 && usual.length === 0 : value === usual;

/** A record's text as `groupedRecordValue` wrote it, its left-out fields restored. */
const restored = (text: Record<string, unknown>, place: RecordPlace): Record<string, unknown> => {
  const full: Record<string, unknown> = { eventId: place.eventId, assignmentId: place.assignmentId, hostId: place.hostId, ...text };
  for (const [field, applies, usual] of USUAL) {
    if (full[field] === null) delete full[field];
    else if (!(field in full) && applies(full.status)) full[field] = usual(full);
  }
  return full;
};

/** A record group's value read back: JSON text (short, or whole as written before), or a map (pending, or written before records were kept as text). */
export const fromGroupedRecord = (value: unknown, place: RecordPlace): StoredUsage => {
  if (typeof value !== 'string') return toStoredUsage(value as Record<string, unknown>);
  const text = JSON.parse(value) as Record<string, unknown>;
  return toStoredUsage('eventId' in text ? text : restored(text, place));
};

/** An assignment's summary; its coverage is stored as [from, to] pairs of epoch milliseconds. */
export const toSummary = itemDecoder('usage summary', z.object({
  assignmentId: z.string(),
  version: z.number().int(),
  coverage: z.array(z.tuple([z.number(), z.number()]).transform(([from, to]) => ({ from, to }))),
  acceptedRecords: z.number().int(),
  clippedRecords: z.number().int(),
  rejectedRecords: z.number().int(),
  gpuMs: z.number(),
  reportedGpuMs: z.number(),
  lastOpenUsageAt: z.string().optional(),
  recordGroups: z.literal(true).optional(),
})) satisfies (item: Record<string, unknown>) => UsageSummary;
