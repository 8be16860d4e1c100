import { z } from 'zod';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { plainText } from '#platform/text.ts';
import { regionField } from '#registry/http/schemas.ts';
import { MAX_REPLICAS, MIN_REPLICAS } from '../domain/service.ts';
import { JOB_TIERS } from '#contract/jobs.ts';
import { envField, portsField, tierIssues } from './schemas.ts';

const MAX_PRICE_MICRO_USD = 1_000_000_000;
const replicasField = z
  .number()
  .int('must be a whole number')
  .min(MIN_REPLICAS, `must be from ${MIN_REPLICAS} to ${MAX_REPLICAS}`)
  .max(MAX_REPLICAS, `must be from ${MIN_REPLICAS} to ${MAX_REPLICAS}`);

/** An absolute HTTP path of printable ASCII: `/health`, `/v1/models?ready=1`. */
const HEALTH_PATH = /^\/[\x21-\x7e]{0,511}$/;

export const HealthCheckInput = z
  .strictObject({
    path: z.string().regex(HEALTH_PATH, 'must be an absolute path such as /health (printable characters, no spaces)'),
    /** One of the service's http container ports; the first one when left out. */
    port: z.number().int().min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535').optional(),
    intervalSeconds: z.number().int().min(1, 'must be from 1 to 300 seconds').max(300, 'must be from 1 to 300 seconds').default(10),
    /** Default: 5 s, or the interval if shorter. */
    timeoutSeconds: z.number().int().min(1, 'must be from 1 to 60 seconds').max(60, 'must be from 1 to 60 seconds').optional(),
    failureThreshold: z.number().int().min(1, 'must be from 1 to 20').max(20, 'must be from 1 to 20').default(3),
    startupGraceSeconds: z.number().int().min(0, 'must be from 0 to 3600 seconds').max(3600, 'must be from 0 to 3600 seconds').default(300),
  })
  .superRefine((check, ctx) => {
    // Only between two valid values: an out-of-range interval is named on its own.
    if (check.timeoutSeconds !== undefined && check.intervalSeconds >= 1 && check.intervalSeconds <= 300 && check.timeoutSeconds > check.intervalSeconds) ctx.addIssue({ code: 'custom', path: ['timeoutSeconds'], message: 'must be at most intervalSeconds' });
  });

/** POST /v1/services. Unknown fields are refused, as for jobs. */
export const CreateServiceInput = z
  .strictObject({
    name: plainText().trim().min(1).max(200),
    template: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a template name from GET /v1/templates').optional(),
    image: plainText().trim().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces').optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    env: envField.optional().transform((env) => env ?? {}),
    ports: portsField.optional(),
    gpu: z
      .strictObject({
        count: z.number().int().min(1, 'at least 1 GPU per replica').max(8, 'at most 8 GPUs per replica'),
        models: z.array(plainText().trim().min(1).max(100)).min(1).max(16).optional(),
        minVramMb: z.number().int().min(1).max(1_048_576).optional(),
      })
      .optional(),
    regions: z.array(regionField).min(1).max(16).optional(),
    replicas: replicasField,
    /** Required for on-demand replicas; refused on interruptible ones (their bid is their price). */
    maxPricePerGpuHour: usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be more than 0 and at most 1000.000000').optional(),
    tier: z.enum(JOB_TIERS, { message: `must be one of ${JOB_TIERS.join(', ')}` }).optional().meta({ description: 'on-demand (default) or interruptible: replicas on idle GPUs at your bid, preempted when on-demand work needs them and replaced by the service (docs/interruptible.md).' }),
    bidPerGpuHour: usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be a price more than 0 and at most 1000.000000').optional(),
    healthCheck: HealthCheckInput,
    spread: z.enum(['hosts', 'providers']).optional(),
    verified: z.boolean().optional(),
    minScore: z.number().min(0).max(100_000).optional(),
  })
  .superRefine((service, ctx) => {
    for (const issue of tierIssues(service)) ctx.addIssue({ code: 'custom', ...issue });
    if (service.template !== undefined) {
      for (const field of ['image', 'command', 'ports'] as const) {
        if (service[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'the template gives it: leave it out, or create without a template' });
      }
      return;
    }
    if (service.image === undefined && service.command === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'give an image, a command, or both (or a template)' });
    if (service.gpu === undefined) ctx.addIssue({ code: 'custom', path: ['gpu'], message: 'required (unless a template gives it)' });
    if (!(service.ports ?? []).some((port) => port.protocol === 'http')) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a service needs at least one http port' });
  });
export type CreateServiceBody = z.output<typeof CreateServiceInput>;

/** PATCH /v1/services/{serviceId}: a new replica count, and/or a new image, command or env (rolled out one replica at a time). */
export const UpdateServiceInput = z
  .strictObject({
    replicas: replicasField.optional(),
    image: plainText().trim().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces').optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    /** Variables to set, over the current env. */
    env: envField.optional(),
  })
  .superRefine((update, ctx) => {
    if (Object.values(update).every((value) => value === undefined)) ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'give replicas, image, command or env' });
  });
export type UpdateServiceBody = z.output<typeof UpdateServiceInput>;

export const ServicePath = z.object({ serviceId: z.string().min(1).max(64) });
export const ListServicesQuery = z.object({ ...pageQuery });
