import { z } from 'zod';
import { ASSIGNMENT_STATES, type Wire } from './agent.ts';
import { usdText } from './money.ts';

/**
 * The wire contract of a renter's jobs (API.md, "Jobs"): what POST /v1/jobs answers, a job
 * as GET /v1/jobs/{id} shows it, and its timeline. The backend's HTTP layer answers to these
 * schemas and the OpenAPI document is generated from them; the renter CLI takes the types
 * with `import type` only, so neither zod nor backend code enters its bundle
 * (test/unit/cli/bundle.test.ts). This module imports nothing but zod and its siblings.
 */

export const JOB_STATUSES = ['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'preempted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_TIERS = ['on-demand', 'interruptible'] as const;
export type JobTier = (typeof JOB_TIERS)[number];

const time = z.iso.datetime();
const assignmentState = z.enum(ASSIGNMENT_STATES);
const jobStatus = z.enum(JOB_STATUSES);

export const SubmittedJobResponse = z.object({ jobId: z.string(), status: jobStatus });

export const JobResponse = z.object({
  jobId: z.string(),
  name: z.string().nullable(),
  status: jobStatus,
  statusReason: z.string().nullable(),
  image: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  gpu: z.object({ count: z.int(), models: z.array(z.string()).optional(), minVramMb: z.int().optional() }),
  hosts: z.int(),
  regions: z.array(z.string()).nullable(),
  maxPricePerGpuHour: usdText,
  maxDurationSeconds: z.int(),
  restartPolicy: z.enum(['never', 'on-host-loss', 'on-preemption']),
  service: z.object({ serviceId: z.string(), replica: z.int() }).nullable().meta({ description: 'The inference service this job is a replica of (docs/services.md).' }),
  tier: z.enum(['on-demand', 'interruptible']),
  bidPerGpuHour: usdText.nullable().meta({ description: 'Interruptible work: its bid, which is its price (also shown as maxPricePerGpuHour).' }),
  preemptions: z.int().meta({ description: 'Times this interruptible job gave way to other work.' }),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']) })),
  sshKeys: z.array(z.string()).meta({ description: 'The public keys let into the job.' }),
  template: z.object({ name: z.string(), version: z.int() }).nullable().meta({ description: 'The template the job was made from.' }),
  secrets: z.record(z.string(), z.string()).meta({ description: "Values the platform generated for the job (a template's Jupyter token): shown to the job's owner here, and nowhere else." }),
  interactive: z.boolean().meta({ description: 'Ports and no command: the image runs its own entrypoint until cancelled or its max duration.' }),
  endpoints: z
    .array(
      z.object({
        assignmentId: z.string(),
        rank: z.int(),
        name: z.string().nullable(),
        containerPort: z.int(),
        protocol: z.enum(['http', 'tcp']),
        hostPort: z.int(),
        address: z.string().meta({ description: 'publicAddress:hostPort' }),
        url: z.string().nullable().meta({ description: 'http://address for http ports' }),
        ready: z.boolean().meta({ description: 'The agent has seen the port accept connections.' }),
      }),
    )
    .meta({ description: 'Per running assignment and declared port; withdrawn once the assignment ends.' }),
  verified: z.boolean().meta({ description: 'Placed only on verified hosts.' }),
  minScore: z.number().nullable(),
  hold: usdText.meta({ description: 'Held for the job now: its hold while it can run, 0 once it has ended (billing releases the rest).' }),
  assignments: z.array(
    z.object({
      assignmentId: z.string(),
      hostId: z.string(),
      rank: z.int(),
      gpus: z.object({ count: z.int(), model: z.string(), indices: z.array(z.int()) }),
      pricePerGpuHour: usdText,
      state: assignmentState,
      exitCode: z.int().nullable(),
      startedAt: time.nullable(),
      endedAt: time.nullable(),
    }),
  ),
  cost: usdText.meta({ description: 'Charged so far.' }),
  createdAt: time,
  startedAt: time.nullable(),
  endedAt: time.nullable(),
});

export const JobPageResponse = z.object({ items: z.array(JobResponse), nextCursor: z.string().nullable() });

export const TimelineResponse = z.object({
  items: z.array(z.object({ at: time, type: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional() })),
  nextCursor: z.string().nullable(),
});

export type SubmittedJobResponse = Wire<z.output<typeof SubmittedJobResponse>>;
export type JobResponse = Wire<z.output<typeof JobResponse>>;
export type JobPageResponse = Wire<z.output<typeof JobPageResponse>>;
export type TimelineResponse = Wire<z.output<typeof TimelineResponse>>;
