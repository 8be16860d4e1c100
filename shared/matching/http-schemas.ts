import { z } from 'zod';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { regionField } from '#registry/http-schemas.ts';

const MAX_PRICE_MICRO_USD = 1_000_000_000;
const MAX_DURATION_SECONDS = 30 * 24 * 3600;
const MAX_ENV_BYTES = 32 * 1024;

const envField = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'environment variable names are letters, digits and _'), z.string().max(16 * 1024))
  .refine((env) => Object.keys(env).length <= 64, 'at most 64 variables')
  .refine((env) => Buffer.byteLength(JSON.stringify(env)) <= MAX_ENV_BYTES, `at most ${MAX_ENV_BYTES} bytes in all`);

/** POST /v1/jobs, validated as API.md describes; unknown fields are refused (typos cost money). */
export const SubmitJobInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    image: z.string().trim().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces').optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    env: envField.default({}),
    gpu: z.strictObject({
      count: z.number().int().min(1, 'at least 1 GPU per host').max(8, 'at most 8 GPUs per host'),
      models: z.array(z.string().trim().min(1).max(100)).min(1).max(16).optional(),
      minVramMb: z.number().int().min(1).max(1_048_576).optional(),
    }),
    hosts: z.number().int().min(1).max(32).default(1),
    regions: z.array(regionField).min(1).max(16).optional(),
    maxPricePerGpuHour: usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be more than 0 and at most 1000.000000'),
    maxDurationSeconds: z.number().int().min(60, 'at least 60 seconds').max(MAX_DURATION_SECONDS, `at most ${MAX_DURATION_SECONDS} seconds (30 days)`),
    restartPolicy: z.enum(['never', 'on-host-loss']).default('on-host-loss'),
  })
  .refine((job) => job.image !== undefined || job.command !== undefined, { message: 'give an image, a command, or both', path: ['image'] });

export const JobPath = z.object({ jobId: z.string().min(1).max(64) });

export const AgentEventInput = z.object({
  type: z.enum(['accepted', 'started', 'exited', 'failed', 'stopped']),
  at: z.iso.datetime({ offset: true }).optional(),
  exitCode: z.number().int().min(-255).max(255).optional(),
  message: z.string().max(2000).optional(),
});

export const AssignmentPath = z.object({ assignmentId: z.string().min(1).max(128) });

export const JOB_STATUSES = ['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;

export const ListJobsQuery = z.object({ ...pageQuery, status: z.enum(JOB_STATUSES).optional() });

export const TimelineQuery = z.object({ ...pageQuery, limit: pageQuery.limit.default(100) });

export const OffersQuery = z.object({
  gpuModel: z.string().trim().min(1).max(100).optional(),
  minVramMb: z.coerce.number().int().min(1).optional(),
  region: regionField.optional(),
  maxPricePerGpuHour: usdField.optional(),
  count: z.coerce.number().int().min(1).max(8).optional(),
  runtime: z.enum(['docker', 'process']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
