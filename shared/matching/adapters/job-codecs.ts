import { z } from 'zod';
import { itemDecoder, stored, storedMicroUsd, withoutKeys } from '#platform/item-codec.ts';
import type { Assignment, Job, JobSpec, JobStatus, RestartPolicy } from '../domain/job.ts';
import type { PortSpec } from '../domain/ports.ts';
import type { ReplicaOf } from '../domain/service.ts';
import type { TimelineEntry } from '../domain/outcome.ts';

/** Codecs of the matching table's job-side items: the job, its claim and its timeline (their keys are in items.ts). */

/** What a submit's Idempotency-Key says it made. */
export const toJobClaim = itemDecoder('job idempotency key', z.object({ jobId: z.string(), bodyHash: z.string().optional() }));

/** One entry of a job's timeline; `data` only where the entry has some. */
export const toTimelineEntry = itemDecoder('timeline entry', z.object({
  at: z.string(),
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullish(),
}).transform(({ at, type, message, data }): TimelineEntry => ({ at, type, message, ...(data ? { data } : {}) })));

const JOB_STATUSES = ['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'preempted'] as const satisfies readonly JobStatus[];
const RESTART_POLICIES = ['never', 'on-host-loss', 'on-preemption'] as const satisfies readonly RestartPolicy[];

/**
 * The job's spec as stored: its env as [name, value] pairs (`envPairs`; the marshaller refuses
 * a map key `constructor` and drops `__proto__`), or, on items written before, as a map.
 * What placement and billing rely on is checked; the ports and the service are kept whole.
 */
const storedJobSpec = z.looseObject({
  envPairs: z.array(z.tuple([z.string(), z.string()])).optional(),
  env: stored<Readonly<Record<string, string>>>().optional(),
  name: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  gpu: z.looseObject({ count: z.number().int(), models: z.array(z.string()).optional(), minVramMb: z.number().optional() }),
  hosts: z.number().int(),
  regions: z.array(z.string()).optional(),
  maxPricePerGpuHour: storedMicroUsd,
  maxDurationSeconds: z.number(),
  restartPolicy: z.enum(RESTART_POLICIES),
  ports: stored<readonly PortSpec[]>().optional(),
  sshKeys: z.array(z.string()).optional(),
  template: z.object({ name: z.string(), version: z.number() }).optional(),
  secretEnv: z.array(z.string()).optional(),
  verified: z.boolean().optional(),
  minScore: z.number().optional(),
  service: stored<ReplicaOf>().optional(),
  tier: z.literal('interruptible').optional(),
  bidPerGpuHour: storedMicroUsd.optional(),
}).transform((spec): JobSpec => {
  const env = spec.envPairs ? Object.fromEntries(spec.envPairs) : (spec.env ?? {});
  return Object.assign(withoutKeys(spec, ['envPairs']), { env });
});

/** The job with its assignments, without the item's keys and index attributes. */
export const toJob = itemDecoder('job', z.looseObject({
  jobId: z.string(),
  renterId: z.string(),
  spec: storedJobSpec,
  status: z.enum(JOB_STATUSES),
  statusReason: z.string().nullable(),
  holdAmount: storedMicroUsd,
  fundsHeld: z.boolean(),
  createdAt: z.string(),
  queuedAt: z.string().optional(),
  scheduledAt: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  attempt: z.number().int(),
  restarts: z.number().int(),
  notAccepted: z.number().int(),
  preemptions: z.number().int().optional(),
  restartReason: z.string().optional(),
  avoidHostIds: z.array(z.string()).optional(),
  avoidSince: z.string().optional(),
  assignments: stored<readonly Assignment[]>(),
  cost: storedMicroUsd,
  balanceLowAt: z.string().optional(),
  maintenanceNoticed: z.array(z.string()).optional(),
  revision: z.number().int(),
}).transform((job): Job => withoutKeys(job, ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'workBucket', 'workDueAt'])));
