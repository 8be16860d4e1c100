import { z } from 'zod';
import { AgentEvent } from '#contract/agent.ts';
import { JOB_STATUSES, JOB_TIERS } from '#contract/jobs.ts';
import { multilineText, plainText } from '#platform/text.ts';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import { regionField } from '#registry/http/schemas.ts';
import { MAX_JOB_PORTS } from '../domain/ports.ts';
import { parseSshPublicKey, SshKeyError } from '#accounts/domain/ssh-key.ts';

const MAX_JOB_SSH_KEYS = 10;

/** OpenSSH public keys given on the job, each checked as a saved key is; stored normalised. */
const sshKeysField = z
  .array(
    z.string().max(16 * 1024).transform((text, ctx) => {
      try {
        return parseSshPublicKey(text).publicKey;
      } catch (error) {
        if (!(error instanceof SshKeyError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
  )
  .min(1)
  .max(MAX_JOB_SSH_KEYS, `at most ${MAX_JOB_SSH_KEYS} keys`);

const MAX_PRICE_MICRO_USD = 1_000_000_000;
const MAX_DURATION_SECONDS = 30 * 24 * 3600;
const MAX_ENV_BYTES = 32 * 1024;

export const MAX_ENV_VARIABLES = 64;
const MAX_ENV_VALUE_CHARS = 16 * 1024;
/** POSIX names: `constructor`, `__proto__` and `toString` are as legal as `PATH`. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * A job's `env`, read from the body's own keys (Object.entries: `__proto__` included, as
 * JSON.parse makes it an own key) and rebuilt with Object.fromEntries, which defines rather
 * than assigns, so every legal name survives; z.record would assign and drop `__proto__`.
 * Each bad name or value is named `env.<name>`.
 */
export const envField = z.unknown().transform((value, ctx): Record<string, string> => {
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
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_ENV_BYTES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ENV_BYTES} bytes in all` });
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

/** The tier's rules on the price fields (docs/interruptible.md), each issue naming its field. */
export const tierIssues = (job: { tier?: (typeof JOB_TIERS)[number]; bidPerGpuHour?: unknown; maxPricePerGpuHour?: unknown; restartPolicy?: string }): { path: string[]; message: string }[] => {
  if (job.tier === 'interruptible') {
    return [
      ...(job.bidPerGpuHour === undefined ? [{ path: ['bidPerGpuHour'], message: 'required for interruptible work: the price you pay per GPU-hour' }] : []),
      ...(job.maxPricePerGpuHour !== undefined ? [{ path: ['maxPricePerGpuHour'], message: 'not for interruptible work: its bid is its price (give bidPerGpuHour)' }] : []),
    ];
  }
  return [
    ...(job.bidPerGpuHour !== undefined ? [{ path: ['bidPerGpuHour'], message: 'only for tier "interruptible": on-demand work pays the host\'s price, capped by maxPricePerGpuHour' }] : []),
    ...(job.maxPricePerGpuHour === undefined ? [{ path: ['maxPricePerGpuHour'], message: 'required' }] : []),
    ...(job.restartPolicy === 'on-preemption' ? [{ path: ['restartPolicy'], message: 'on-preemption is for tier "interruptible" only: on-demand work is never preempted' }] : []),
  ];
};

/** POST /v1/jobs, validated as API.md describes; unknown fields are refused (typos cost money). */
export const SubmitJobInput = z
  .strictObject({
    name: plainText().trim().min(1).max(200).optional(),
    /** A template from GET /v1/templates: it gives the image, command, ports, env defaults and GPU floor. */
    template: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a template name from GET /v1/templates').optional(),
    image: plainText().trim().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces').optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    env: envField.optional().transform((env) => env ?? {}),
    /** Required unless a template gives it. */
    gpu: z
      .strictObject({
        count: z.number().int().min(1, 'at least 1 GPU per host').max(8, 'at most 8 GPUs per host'),
        models: z.array(plainText().trim().min(1).max(100)).min(1).max(16).optional(),
        minVramMb: z.number().int().min(1).max(1_048_576).optional(),
      })
      .optional(),
    hosts: z.number().int().min(1).max(32).default(1),
    regions: z.array(regionField).min(1).max(16).optional(),
    /** Required for on-demand work; refused on interruptible work (its bid is its price). */
    maxPricePerGpuHour: usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be more than 0 and at most 1000.000000').optional(),
    tier: z.enum(JOB_TIERS, { message: `must be one of ${JOB_TIERS.join(', ')}` }).optional().meta({ description: 'on-demand (default) or interruptible: idle GPUs at your bid, preempted when on-demand work needs them (docs/interruptible.md).' }),
    bidPerGpuHour: usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be a price more than 0 and at most 1000.000000').optional().meta({ description: 'Interruptible work only: the price paid per GPU-hour; placed on hosts whose minimum bid it meets, highest bid first.' }),
    /** Required unless a template gives it. */
    maxDurationSeconds: z.number().int().min(60, 'at least 60 seconds').max(MAX_DURATION_SECONDS, `at most ${MAX_DURATION_SECONDS} seconds (30 days)`).optional(),
    /** Default: on-host-loss, or on-preemption for interruptible work. */
    restartPolicy: z.enum(['never', 'on-host-loss', 'on-preemption']).optional(),
    ports: portsField.optional(),
    sshKeys: sshKeysField.optional(),
    verified: z.boolean().optional().meta({ description: "Only hosts whose verification passed (docs/verification.md). Default: the platform's (true on AWS stages, false on a local runtime)." }),
    minScore: z.number().min(0).max(100_000).optional().meta({ description: 'Only verified hosts whose score (their weakest GPU) is at least this.' }),
  })
  .superRefine((job, ctx) => {
    for (const issue of tierIssues(job)) ctx.addIssue({ code: 'custom', ...issue });
    if (job.template !== undefined) {
      for (const field of ['image', 'command', 'ports'] as const) {
        if (job[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'the template gives it: leave it out, or submit without a template' });
      }
      return;
    }
    if (job.image === undefined && job.command === undefined) ctx.addIssue({ code: 'custom', path: ['image'], message: 'give an image, a command, or both (or a template)' });
    if (job.gpu === undefined) ctx.addIssue({ code: 'custom', path: ['gpu'], message: 'required (unless a template gives it)' });
    if (job.maxDurationSeconds === undefined) ctx.addIssue({ code: 'custom', path: ['maxDurationSeconds'], message: 'required (unless a template gives it)' });
  });

export type SubmitJobBody = z.output<typeof SubmitJobInput>;

export const JobPath = z.object({ jobId: z.string().min(1).max(64) });

export const AgentEventInput = AgentEvent;

export const AssignmentPath = z.object({ assignmentId: z.string().min(1).max(128) });

export const ListJobsQuery = z.object({ ...pageQuery, status: z.enum(JOB_STATUSES).optional() });

export const TimelineQuery = z.object({ ...pageQuery, limit: pageQuery.limit.default(100) });

export const OffersQuery = z.object({
  gpuModel: z.string().trim().min(1).max(100).optional(),
  minVramMb: z.coerce.number().int().min(1).optional(),
  region: regionField.optional(),
  maxPricePerGpuHour: usdField.optional(),
  count: z.coerce.number().int().min(1).max(8).optional(),
  runtime: z.enum(['docker', 'process']).optional(),
  verified: z.enum(['true', 'false']).transform((value) => value === 'true').optional().meta({ description: "Only verified hosts (true) or any host (false). Default: the platform's, as for jobs." }),
  minScore: z.coerce.number().min(0).max(100_000).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
