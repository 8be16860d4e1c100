import { z } from 'zod';
import { SSH_PUBLIC_KEY_MAX_CHARS } from '#contract/accounts.ts';
import { AgentEvent } from '#contract/agent.ts';
import { DEFAULT_MIN_MAX_DURATION_SECONDS, JOB_STATUSES, JOB_TIERS, MAX_JOB_SSH_KEYS, maxDurationField, SubmitJobRequest } from '#contract/jobs.ts';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { regionField } from '#registry/http/schemas.ts';
import { parseSshPublicKey, SshKeyError } from '#accounts/domain/ssh-key.ts';

/** OpenSSH public keys given on the job, each checked as a saved key is; stored normalised. */
const sshKeysField = z
  .array(
    z.string().max(SSH_PUBLIC_KEY_MAX_CHARS).transform((text, ctx) => {
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

/** A job's (and a service's) price fields, read into micro-USD. */
export const jobPriceField = usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be more than 0 and at most 1000.000000');
export const jobBidField = usdField.refine((price) => price > 0 && price <= MAX_PRICE_MICRO_USD, 'must be a price more than 0 and at most 1000.000000');

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

/**
 * POST /v1/jobs, validated as API.md describes: the wire contract's body (unknown fields
 * refused: typos cost money) with its money read into micro-USD, its SSH keys parsed, its
 * max duration at least the platform's minimum (MIN_MAX_DURATION_SECONDS), and the rules
 * across fields.
 */
const submitJobSchema = (minMaxDurationSeconds: number) => SubmitJobRequest
  .extend({
    maxDurationSeconds: maxDurationField(minMaxDurationSeconds),
    maxPricePerGpuHour: jobPriceField.optional(),
    bidPerGpuHour: jobBidField.optional().meta({ description: 'Interruptible work only: the price paid per GPU-hour; placed on hosts whose minimum bid it meets, highest bid first.' }),
    sshKeys: sshKeysField.optional(),
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

/** The submit body with the default minimum max duration: the API description's. */
export const SubmitJobInput = submitJobSchema(DEFAULT_MIN_MAX_DURATION_SECONDS);

/** The submit body for a platform's minimum: at the default, the very schema the API description shows. */
export const submitJobInput = (minMaxDurationSeconds: number): typeof SubmitJobInput =>
  minMaxDurationSeconds === DEFAULT_MIN_MAX_DURATION_SECONDS ? SubmitJobInput : submitJobSchema(minMaxDurationSeconds);

export type SubmitJobBody = z.output<typeof SubmitJobInput>;
type _SubmitJobReadsContract = Holds<ReadsContractBody<typeof SubmitJobInput, typeof SubmitJobRequest>>;

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
