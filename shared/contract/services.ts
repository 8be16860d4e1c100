import { z } from 'zod';
import type { Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of a renter's inference services (docs/services.md): a service as
 * GET /v1/services/{id} shows it, its list and its ready endpoints. Imports nothing but zod
 * and its siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

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
