import { z } from 'zod';
import { SSH_PUBLIC_KEY_MAX_CHARS } from './accounts.ts';
import { ASSIGNMENT_STATES, MAX_JOB_PORTS, regionField, type Wire } from './agent.ts';
import { usdAmount, usdText } from './money.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of a renter's jobs (API.md, "Jobs"): the body of POST /v1/jobs, what it
 * answers, a job as GET /v1/jobs/{id} shows it, and its timeline. The backend's HTTP layer
 * answers to these schemas, reads requests with schemas that extend them, and the OpenAPI
 * document is generated from them; the renter CLI takes the types with `import type` only,
 * so neither zod nor backend code enters its bundle (test/unit/cli/bundle.test.ts). This
 * module imports nothing but zod and its siblings.
 */

export const JOB_STATUSES = ['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'preempted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_TIERS = ['on-demand', 'interruptible'] as const;
export type JobTier = (typeof JOB_TIERS)[number];

export const MAX_DURATION_SECONDS = 30 * 24 * 3600;
/** The shortest max duration a platform takes unless its operator set another (MIN_MAX_DURATION_SECONDS, docs/operations.md). */
export const DEFAULT_MIN_MAX_DURATION_SECONDS = 60;

/** A job's `maxDurationSeconds` on a platform whose shortest is `minSeconds` (the wire contract itself allows 1). */
export const maxDurationField = (minSeconds: number) =>
  z
    .number()
    .int()
    .min(minSeconds, minSeconds === 1 ? 'at least 1 second' : `at least ${minSeconds} seconds`)
    .max(MAX_DURATION_SECONDS, `at most ${MAX_DURATION_SECONDS} seconds (30 days)`)
    .optional()
    .meta({ description: `Required unless a template gives it. At least the platform's minimum: ${DEFAULT_MIN_MAX_DURATION_SECONDS} s unless its operator set another.` });

const time = z.iso.datetime();

export const MAX_ENV_VARIABLES = 64;
const MAX_ENV_BYTES = 32 * 1024;
const MAX_ENV_VALUE_CHARS = 16 * 1024;
/** POSIX names: `constructor`, `__proto__` and `toString` are as legal as `PATH`. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * A job's `env`, read from the body's own keys (Object.entries: `__proto__` included, as
 * JSON.parse makes it an own key) and rebuilt with Object.fromEntries, which defines rather
 * than assigns, so every legal name survives; z.record would assign and drop `__proto__`.
 * Each bad name or value is named `env.<name>`. Clients send an object of strings: the
 * input type says so, while the transform checks whatever arrives.
 */
export const envField = z.custom<Record<string, string>>(() => true).transform((value: unknown, ctx): Record<string, string> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an object of environment variables' });
    return z.NEVER;
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_ENV_VARIABLES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ENV_VARIABLES} variables` });
  for (const [name, text] of entries) {
    if (!ENV_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'environment variable names are letters, digits and _, not starting with a digit (at most 128)' });
    else if (typeof text !== 'string') ctx.addIssue({ code: 'custom', path: [name], message: 'must be a string' });
    else if (text.length > MAX_ENV_VALUE_CHARS) ctx.addIssue({ code: 'custom', path: [name], message: `must be at most ${MAX_ENV_VALUE_CHARS} characters` });
  }
  if (utf8Bytes(JSON.stringify(value)) > MAX_ENV_BYTES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ENV_BYTES} bytes in all` });
  return Object.fromEntries(entries) as Record<string, string>;
}).meta({
  // What the transform checks, for the OpenAPI document.
  type: 'object',
  propertyNames: { pattern: ENV_NAME.source },
  additionalProperties: { type: 'string', maxLength: MAX_ENV_VALUE_CHARS },
  maxProperties: MAX_ENV_VARIABLES,
});

const portField = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, _ or -, starting with a letter').optional(),
  containerPort: z.number().int().min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535'),
  protocol: z.enum(['http', 'tcp']).default('tcp'),
});

/** Up to 8 ports; container ports and names unique (each duplicate is named by its index). */
export const portsField = z
  .array(portField)
  .max(MAX_JOB_PORTS, `at most ${MAX_JOB_PORTS} ports`)
  .superRefine((ports, ctx) => {
    const seenPorts = new Set<number>();
    const seenNames = new Set<string>();
    ports.forEach((port, at) => {
      if (seenPorts.has(port.containerPort)) ctx.addIssue({ code: 'custom', path: [at, 'containerPort'], message: `container port ${port.containerPort} is declared twice` });
      seenPorts.add(port.containerPort);
      const name = port.name?.toUpperCase().replace(/-/g, '_');
      if (name !== undefined && seenNames.has(name)) ctx.addIssue({ code: 'custom', path: [at, 'name'], message: `port name ${port.name} is declared twice` });
      if (name !== undefined) seenNames.add(name);
    });
  });

/** Fields a job and a service's replicas share, as the renter writes them. */
export const templateField = z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a template name from GET /v1/templates');
export const imageField = plainText().trim().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces');
export const commandField = z.array(z.string().max(4096)).min(1).max(256);
export const gpuModelsField = z.array(plainText().trim().min(1).max(100)).min(1).max(16);
export const minVramField = z.number().int().min(1).max(1_048_576);

export const MAX_JOB_SSH_KEYS = 10;

/**
 * POST /v1/jobs as the renter writes it (API.md); unknown fields are refused (typos cost
 * money). Money is a USD string or number and `sshKeys` OpenSSH public key lines: the
 * backend's `SubmitJobInput` (shared/matching/http/schemas.ts) extends this with its money
 * and SSH key parsers and the rules across fields (the tier's price fields, a template's).
 */
export const SubmitJobRequest = z.strictObject({
  name: plainText().trim().min(1).max(200).optional(),
  /** A template from GET /v1/templates: it gives the image, command, ports, env defaults and GPU floor. */
  template: templateField.optional(),
  image: imageField.optional(),
  command: commandField.optional(),
  env: envField.optional().transform((env) => env ?? {}),
  /** Required unless a template gives it. */
  gpu: z
    .strictObject({
      count: z.number().int().min(1, 'at least 1 GPU per host').max(8, 'at most 8 GPUs per host'),
      models: gpuModelsField.optional(),
      minVramMb: minVramField.optional(),
    })
    .optional(),
  hosts: z.number().int().min(1).max(32).default(1),
  regions: z.array(regionField).min(1).max(16).optional(),
  /** Required for on-demand work; refused on interruptible work (its bid is its price). */
  maxPricePerGpuHour: usdAmount.optional(),
  tier: z.enum(JOB_TIERS, { message: `must be one of ${JOB_TIERS.join(', ')}` }).optional().meta({ description: 'on-demand (default) or interruptible: idle GPUs at your bid, preempted when on-demand work needs them (docs/interruptible.md).' }),
  bidPerGpuHour: usdAmount.optional(),
  maxDurationSeconds: maxDurationField(1),
  /** Default: on-host-loss, or on-preemption for interruptible work. */
  restartPolicy: z.enum(['never', 'on-host-loss', 'on-preemption']).optional(),
  ports: portsField.optional(),
  /** OpenSSH public key lines, let into the job; each is checked as a saved key is. */
  sshKeys: z.array(z.string().max(SSH_PUBLIC_KEY_MAX_CHARS)).min(1).max(MAX_JOB_SSH_KEYS, `at most ${MAX_JOB_SSH_KEYS} keys`).optional(),
  verified: z.boolean().optional().meta({ description: "Only hosts whose verification passed (docs/verification.md). Default: the platform's (true on AWS stages, false on a local runtime)." }),
  minScore: z.number().min(0).max(100_000).optional().meta({ description: 'Only verified hosts whose score (their weakest GPU) is at least this.' }),
});
export type SubmitJobRequest = z.input<typeof SubmitJobRequest>;

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
