import { z } from 'zod';
import { AGENT_RUNTIMES, MeasuredGpu, portRangeField, publicAddressField, type Wire } from './agent.ts';
import { usdAmount, usdText } from './money.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of hosts and their maintenance windows as providers (and the CLI's
 * `hosts` and `maintenance` commands) read them (API.md, "Hosts"), as the backend's
 * `shared/registry/http/mappers.ts` builds them, and the bodies that change a host and
 * schedule a window.
 * Imports nothing but zod and its siblings; the CLI takes the types with `import type` only
 * (see ./jobs.ts).
 */

/** What a provider takes a host down for (the categories Vast.ai's `schedule maint` offers). */
export const MAINTENANCE_CATEGORIES = ['power', 'internet', 'disk', 'gpu', 'software', 'other'] as const;
export type MaintenanceCategory = (typeof MAINTENANCE_CATEGORIES)[number];

/**
 * PATCH /v1/hosts/{hostId}: at least one field (the backend's `UpdateHostInput` checks that,
 * and reads the prices into micro-USD and bounds them).
 */
export const UpdateHostRequest = z.strictObject({
  pricePerGpuHour: usdAmount.optional(),
  listed: z.boolean().optional(),
  draining: z.boolean().optional(),
  publicAddress: publicAddressField.optional(),
  /** null removes the range: the host takes no new jobs with ports. */
  portRange: portRangeField.nullable().optional(),
  /** The lowest bid for idle GPUs; 0 sells none; null returns to the default (half the price). */
  minBidPerGpuHour: usdAmount.nullable().optional(),
});
export type UpdateHostRequest = z.input<typeof UpdateHostRequest>;

/** A maintenance window is at most a day. */
export const MAX_WINDOW_SECONDS = 86_400;

/**
 * POST /v1/hosts/{hostId}/maintenance. Whether the start is in the past or overlaps another
 * window is the backend's check (it needs the clock and the host); nothing here needs a parser.
 */
export const ScheduleMaintenanceRequest = z.strictObject({
  startsAt: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date and time, such as "2026-12-05T02:00:00Z"' }),
  durationSeconds: z
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .positive('must be more than 0')
    .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS} (24 h)`),
  category: z.enum(MAINTENANCE_CATEGORIES, { message: `must be one of ${MAINTENANCE_CATEGORIES.join(', ')}` }),
  note: plainText().trim().max(500).optional(),
});
export type ScheduleMaintenanceRequest = z.input<typeof ScheduleMaintenanceRequest>;

const time = z.iso.datetime();
const hostStatus = z.enum(['online', 'unreachable', 'offline']);

export const MaintenanceWindowResponse = z.object({
  windowId: z.string(),
  hostId: z.string(),
  startsAt: time,
  endsAt: time,
  durationSeconds: z.int(),
  category: z.enum(MAINTENANCE_CATEGORIES),
  note: z.string().nullable(),
  state: z.enum(['scheduled', 'in_progress', 'ended']),
  announcedAt: time,
  excusesDowntime: z.boolean().meta({
    description: 'Announced at least the notice (default 24 h) before it starts: time offline inside it does not lower reliability.',
  }),
});

export const MaintenanceWindowListResponse = z.object({ items: z.array(MaintenanceWindowResponse) });
export const VerificationView = z.object({
  state: z.enum(['unverified', 'verified', 'failed', 'expired']),
  since: time.nullable(),
  verifiedAt: time.nullable(),
  score: z.number().nullable().meta({ description: "The host's score: its weakest GPU's." }),
  gpus: z.array(MeasuredGpu),
  reason: z.string().nullable().meta({ description: 'Why the last run failed, for the provider to act on.' }),
  nextRunAt: time.nullable(),
  inFlight: z.object({ runId: z.string(), issuedAt: time, commitBy: time, committedAt: time.nullable() }).nullable(),
  runs: z.array(
    z.object({
      runId: z.string(),
      issuedAt: time,
      endedAt: time,
      outcome: z.enum(['passed', 'failed', 'aborted', 'missed']),
      reason: z.string().nullable(),
      score: z.number().nullable(),
    }),
  ).meta({ description: "The host's latest verification runs, oldest first: its verification timeline." }),
});

export const HostResponse = z.object({
  hostId: z.string(),
  hostname: z.string(),
  status: hostStatus,
  listed: z.boolean().meta({ description: "The provider's setting (PATCH): whether to offer the host when it can take work." }),
  acceptsWork: z.boolean().meta({ description: 'Offered to renters now: online, listed, not draining; statusReason says why not.' }),
  draining: z.boolean(),
  statusReason: z.string().nullable(),
  gpus: z.array(z.object({ index: z.int(), model: z.string(), name: z.string(), vramMb: z.int(), uuid: z.string() })),
  pricePerGpuHour: usdText,
  minBidPerGpuHour: usdText.meta({ description: 'The lowest bid interruptible work must offer here (default half the price; 0.000000: none taken).' }),
  region: z.string(),
  runtimes: z.array(z.enum(AGENT_RUNTIMES)),
  cpuCores: z.int(),
  memoryMb: z.int(),
  diskGb: z.int(),
  publicAddress: z.string().nullable(),
  portRange: z.object({ from: z.int(), to: z.int() }).nullable().meta({ description: 'Public ports forwarded to the host for jobs with ports.' }),
  simulated: z.boolean(),
  registeredAt: time,
  lastHeartbeatAt: time,
  lastAssignedAt: time.nullable(),
  reliability: z.number().min(0).max(1),
  maintenance: z.array(MaintenanceWindowResponse).meta({ description: 'Maintenance windows not yet ended, soonest first.' }),
  verification: VerificationView,
});

export const HostPageResponse = z.object({ items: z.array(HostResponse), nextCursor: z.string().nullable() });

export type MaintenanceWindowResponse = Wire<z.output<typeof MaintenanceWindowResponse>>;
export type MaintenanceWindowListResponse = Wire<z.output<typeof MaintenanceWindowListResponse>>;
export type VerificationView = Wire<z.output<typeof VerificationView>>;
export type HostResponse = Wire<z.output<typeof HostResponse>>;
export type HostPageResponse = Wire<z.output<typeof HostPageResponse>>;
