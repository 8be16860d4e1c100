import { z } from 'zod';
import { plainText } from '#platform/text.ts';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { RUNTIMES } from './domain/host.ts';
import { MAINTENANCE_CATEGORIES, MAX_WINDOW_SECONDS } from './domain/maintenance.ts';

/** Regions are free text in one documented shape ("eu-west", "us-east-2", "ap-tokyo"). */
export const regionField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{1,31}$/, 'must be a region name of lower-case letters, digits and dashes, such as "eu-west"');

const MAX_PRICE_MICRO_USD = 1_000_000_000; // $1,000 per GPU-hour: anything above is a typo

export const priceField = usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, {
  message: 'must be more than 0 and at most 1000.000000 USD per GPU-hour',
});

/** The lowest bid the host sells idle GPUs for (docs/interruptible.md): 0 sells none; at most its own price. */
export const minBidField = usdField.refine((price) => price >= 0 && price <= MAX_PRICE_MICRO_USD, {
  message: 'must be 0 (no interruptible work) or a price of at most 1000.000000 USD per GPU-hour',
});

const gpuField = z.object({
  name: plainText().trim().min(1).max(100),
  vramMb: z.number().int().min(1024, 'must be at least 1024 MB').max(1_048_576, 'must be at most 1048576 MB'),
  uuid: plainText().trim().min(1).max(100),
  index: z.number().int().min(0).max(63),
});

/** The public TCP ports the provider's firewall forwards to this host, for jobs' declared ports. */
export const portRangeField = z
  .strictObject({
    from: z.number().int().min(1024, 'must be 1024 or more').max(65535, 'must be at most 65535'),
    to: z.number().int().min(1024, 'must be 1024 or more').max(65535, 'must be at most 65535'),
  })
  .refine((range) => range.from <= range.to, { message: 'from must not be above to', path: ['to'] })
  .refine((range) => range.to - range.from < 10_000, { message: 'at most 10000 ports', path: ['to'] });

const publicAddressField = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

/** Agents may be newer than the server: unknown fields are ignored, known ones checked. */
export const RegisterAgentInput = z.object({
  registrationToken: z.string().min(1).max(200),
  hostname: plainText().trim().min(1).max(253),
  region: regionField,
  pricePerGpuHour: priceField,
  gpus: z
    .array(gpuField)
    .min(1, 'must list at least one GPU')
    .max(16)
    .refine((gpus) => unique(gpus.map((gpu) => gpu.index)), 'GPU indices must be unique')
    .refine((gpus) => unique(gpus.map((gpu) => gpu.uuid)), 'GPU UUIDs must be unique'),
  cpuCores: z.number().int().min(1).max(4096),
  memoryMb: z.number().int().min(1024).max(64 * 1024 * 1024),
  diskGb: z.number().int().min(1).max(10_000_000),
  runtimes: z.array(z.enum(RUNTIMES)).min(1, 'must offer at least one runtime'),
  driverVersion: plainText().trim().max(50).optional(),
  cudaVersion: plainText().trim().max(50).optional(),
  bandwidthMbps: z.number().positive().max(1_000_000).optional(),
  publicAddress: publicAddressField.optional(),
  portRange: portRangeField.optional(),
  simulated: z.boolean().optional(),
  /** Default: half the host's price. */
  minBidPerGpuHour: minBidField.optional(),
})
  .refine((facts) => !facts.portRange || facts.publicAddress, { message: 'a port range needs a publicAddress', path: ['portRange'] })
  .refine((facts) => facts.minBidPerGpuHour === undefined || facts.minBidPerGpuHour <= facts.pricePerGpuHour, {
    message: "must not be above the host's own pricePerGpuHour",
    path: ['minBidPerGpuHour'],
  });

export const HeartbeatInput = z.object({
  runningAssignments: z.array(z.string().min(1).max(100)).max(256).default([]),
  draining: z.boolean().optional(),
  gpuUtilization: z.array(z.number().min(0).max(100)).max(64).optional(),
  /** Present only while the agent's queue poll keeps failing: no work is placed on the host meanwhile. */
  queuePoll: z.object({ failingSince: z.iso.datetime(), failures: z.number().int().min(1), error: z.string().trim().min(1).max(500) }).optional(),
  /** `gpuhive-agent verify`: issue a verification run now (if none is in flight and the host is idle). */
  requestVerification: z.boolean().optional(),
  /** The run id the agent gave up because a renter's assignment arrived. */
  abortedVerification: z.string().min(1).max(64).optional(),
});

const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lower-case hex');
const proof = z.array(hexHash).max(64);

/** POST /v1/agent/verifications/{runId}: one route for both steps (each route is a Lambda, and the stack is near CloudFormation's limit). */
export const VerificationStepInput = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('commit'),
    gpus: z
      .array(
        z.object({
          index: z.number().int().min(0).max(63),
          uuid: plainText().trim().min(1).max(100),
          name: plainText().trim().max(100).optional(),
          vramMb: z.number().int().min(1).max(1_048_576),
          driverVersion: plainText().trim().max(50).optional(),
          gemmRoot: hexHash,
          gemmSeconds: z.number().positive().max(86_400),
          memoryRoot: hexHash,
          memorySeconds: z.number().positive().max(86_400),
        }),
      )
      .min(1)
      .max(16),
  }),
  z.object({
    step: z.literal('answer'),
    gpus: z
      .array(
        z.object({
          index: z.number().int().min(0).max(63),
          tiles: z.array(z.object({ tile: z.number().int().min(0), values: z.array(z.number().int()).max(1024), proof })).max(64),
          chunks: z.array(z.object({ chunk: z.number().int().min(0), proof })).max(64),
        }),
      )
      .min(1)
      .max(16),
  }),
]);

export const VerificationPath = z.object({ runId: z.string().min(1).max(64) });
/** An answer for 16 GPUs carries up to ~1 MB of tiles and proofs. */
export const VERIFICATION_MAX_BODY_BYTES = 2 * 1024 * 1024;

export const UpdateHostInput = z
  .strictObject({
    pricePerGpuHour: priceField.optional(),
    listed: z.boolean().optional(),
    draining: z.boolean().optional(),
    publicAddress: publicAddressField.optional(),
    /** null removes the range: the host takes no new jobs with ports. */
    portRange: portRangeField.nullable().optional(),
    /** The lowest bid for idle GPUs; 0 sells none; null returns to the default (half the price). */
    minBidPerGpuHour: minBidField.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one of pricePerGpuHour, listed, draining, publicAddress, portRange, minBidPerGpuHour');

export const HostPath = z.object({ hostId: z.string().min(1).max(64) });

export const HostsQuery = z.object(pageQuery);

/** A maintenance window: whether the start is in the past or overlaps another is the domain's check (it needs the clock and the host). */
export const ScheduleMaintenanceInput = z.strictObject({
  startsAt: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date and time, such as "2026-12-05T02:00:00Z"' }),
  durationSeconds: z
    .number({ message: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .positive('must be more than 0')
    .max(MAX_WINDOW_SECONDS, `must be at most ${MAX_WINDOW_SECONDS} (24 h)`),
  category: z.enum(MAINTENANCE_CATEGORIES, { message: `must be one of ${MAINTENANCE_CATEGORIES.join(', ')}` }),
  note: plainText().trim().max(500).optional(),
});

export const MaintenancePath = HostPath.extend({ windowId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a window id') });

export const ReceiveAssignmentsQuery = z.object({ waitSeconds: z.coerce.number().int().min(0).max(20).default(0) });

export const AckAssignmentsInput = z.object({ receipts: z.array(z.string().min(1).max(8192)).min(1).max(100) });
