import { z } from 'zod';
import { regionField, type Wire } from './agent.ts';
import { commandField, envField, gpuModelsField, imageField, JOB_TIERS, minVramField, portsField, templateField } from './jobs.ts';
import { usdAmount, usdText } from './money.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of a renter's inference services (docs/services.md): the bodies that
 * create and update one, a service as GET /v1/services/{id} shows it, its list and its ready
 * endpoints. Imports nothing but zod and its siblings; the CLI takes the types with
 * `import type` only (see ./jobs.ts).
 */

export const MIN_REPLICAS = 1;
export const MAX_REPLICAS = 64;

const replicasField = z
  .number()
  .int('must be a whole number')
  .min(MIN_REPLICAS, `must be from ${MIN_REPLICAS} to ${MAX_REPLICAS}`)
  .max(MAX_REPLICAS, `must be from ${MIN_REPLICAS} to ${MAX_REPLICAS}`);

/** An absolute HTTP path of printable ASCII: `/health`, `/v1/models?ready=1`. */
const HEALTH_PATH = /^\/[\x21-\x7e]{0,511}$/;

export const HealthCheckRequest = z
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

/**
 * POST /v1/services as the renter writes it; unknown fields are refused, as for jobs. The
 * backend's `CreateServiceInput` (shared/matching/http/services.ts) extends it with its
 * money parser and the rules across fields.
 */
export const CreateServiceRequest = z.strictObject({
  name: plainText().trim().min(1).max(200),
  template: templateField.optional(),
  image: imageField.optional(),
  command: commandField.optional(),
  env: envField.optional().transform((env) => env ?? {}),
  ports: portsField.optional(),
  gpu: z
    .strictObject({
      count: z.number().int().min(1, 'at least 1 GPU per replica').max(8, 'at most 8 GPUs per replica'),
      models: gpuModelsField.optional(),
      minVramMb: minVramField.optional(),
    })
    .optional(),
  regions: z.array(regionField).min(1).max(16).optional(),
  replicas: replicasField,
  /** Required for on-demand replicas; refused on interruptible ones (their bid is their price). */
  maxPricePerGpuHour: usdAmount.optional(),
  tier: z.enum(JOB_TIERS, { message: `must be one of ${JOB_TIERS.join(', ')}` }).optional().meta({ description: 'on-demand (default) or interruptible: replicas on idle GPUs at your bid, preempted when on-demand work needs them and replaced by the service (docs/interruptible.md).' }),
  bidPerGpuHour: usdAmount.optional(),
  healthCheck: HealthCheckRequest,
  spread: z.enum(['hosts', 'providers']).optional(),
  verified: z.boolean().optional(),
  minScore: z.number().min(0).max(100_000).optional(),
});
export type CreateServiceRequest = z.input<typeof CreateServiceRequest>;

/** PATCH /v1/services/{serviceId}: a new replica count, and/or a new image, command or env (rolled out one replica at a time). Nothing in it needs a backend parser. */
export const UpdateServiceRequest = z
  .strictObject({
    replicas: replicasField.optional(),
    image: imageField.optional(),
    command: commandField.optional(),
    /** Variables to set, over the current env. */
    env: envField.optional(),
  })
  .superRefine((update, ctx) => {
    if (Object.values(update).every((value) => value === undefined)) ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'give replicas, image, command or env' });
  });
export type UpdateServiceRequest = z.input<typeof UpdateServiceRequest>;

const time = z.iso.datetime();
const endpoint = z.object({
  replica: z.int(),
  jobId: z.string(),
  assignmentId: z.string(),
  hostId: z.string(),
  region: z.string(),
  address: z.string().meta({ description: 'publicAddress:hostPort of the health-checked port' }),
  url: z.string(),
});
const serviceStatus = z.enum(['active', 'stopping', 'stopped', 'failed']);

export const CreatedServiceResponse = z.object({ serviceId: z.string(), status: serviceStatus });

export const ServiceSummaryResponse = z.object({
  serviceId: z.string(),
  name: z.string(),
  status: serviceStatus,
  statusReason: z.string().nullable(),
  replicas: z.int().meta({ description: 'Desired replicas.' }),
  readyReplicas: z.int(),
  image: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  template: z.object({ name: z.string(), version: z.int() }).nullable(),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']) })),
  gpu: z.object({ count: z.int(), models: z.array(z.string()).optional(), minVramMb: z.int().optional() }),
  regions: z.array(z.string()).nullable(),
  spread: z.enum(['hosts', 'providers']).nullable(),
  maxPricePerGpuHour: usdText,
  tier: z.enum(['on-demand', 'interruptible']),
  bidPerGpuHour: usdText.nullable().meta({ description: 'Interruptible replicas: the bid, which is their price.' }),
  healthCheck: z.object({ path: z.string(), port: z.int(), intervalSeconds: z.int(), timeoutSeconds: z.int(), failureThreshold: z.int(), startupGraceSeconds: z.int() }),
  revision: z.int().meta({ description: 'Raised by each update of image, command or env.' }),
  createdAt: time,
  updatedAt: time,
});

export const ServiceResponse = ServiceSummaryResponse.extend({
  replicaJobs: z.array(
    z.object({
      replica: z.int(),
      jobId: z.string(),
      state: z.enum(['pending', 'queued', 'starting', 'ready', 'unhealthy', 'unreachable', 'ended', 'retiring']),
      jobStatus: z.string().nullable(),
      statusReason: z.string().nullable(),
      revision: z.int(),
      hostId: z.string().nullable(),
      endpoint: z.object({ address: z.string(), url: z.string() }).nullable(),
      health: z.object({ state: z.enum(['healthy', 'failing', 'unhealthy']), failures: z.int(), statusCode: z.int().optional(), message: z.string().optional(), checkedAt: time }).nullable(),
      failures: z.int().meta({ description: 'Replacements in a row without becoming ready.' }),
    }),
  ),
  cost: usdText.meta({ description: 'Charged so far for every replica job the service made.' }),
  costPerHour: usdText.meta({ description: 'What its running replicas cost per hour now.' }),
});

export const ServicePageResponse = z.object({ items: z.array(ServiceSummaryResponse), nextCursor: z.string().nullable() });

export const ServiceEndpointsResponse = z.object({
  serviceId: z.string(),
  version: z.int().meta({ description: 'Raised whenever the set changes; the ETag is its quoted form.' }),
  endpoints: z.array(endpoint),
});

export type CreatedServiceResponse = Wire<z.output<typeof CreatedServiceResponse>>;
export type ServiceSummaryResponse = Wire<z.output<typeof ServiceSummaryResponse>>;
export type ServiceResponse = Wire<z.output<typeof ServiceResponse>>;
export type ServicePageResponse = Wire<z.output<typeof ServicePageResponse>>;
export type ServiceEndpointsResponse = Wire<z.output<typeof ServiceEndpointsResponse>>;
