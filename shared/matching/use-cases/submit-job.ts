import { newEvent } from '#events/define.ts';
import { event as jobSubmitted } from '#events/matching/job-submitted.ts';
import { ConflictError, InsufficientFundsError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { formatUsd, microUsd } from '#platform/money.ts';
import { holdAmountFor, type Job, type JobSpec } from '../domain/job.ts';
import { holdMarginSeconds } from '../domain/lease-deadline.ts';
import type { MatchingDeps } from './deps.ts';
import { requireKnownModels } from './gpu-models.ts';

/** A job with ports that names no keys gets the account's saved ones, copied now: deleting a key later does not change it. */
const withSavedSshKeys = async (renterId: string, spec: JobSpec, deps: MatchingDeps): Promise<JobSpec> => {
  if (spec.sshKeys || !spec.ports?.length || !deps.sshKeys) return spec;
  const saved = await deps.sshKeys.savedKeys(renterId);
  return saved.length > 0 ? { ...spec, sshKeys: saved } : spec;
};

/**
 * Submits a job. Steps: refuse GPU models nobody knows (400); compute the hold; answer 402 at once if billing's balance cannot
 * cover it (advisory: the hold billing places on `job.submitted` is the guarantee); write
 * the queued job, its timeline and `job.submitted` in one transaction, once per
 * Idempotency-Key: the same key and body return the same job, another body is a 409.
 */
export const submitJob = async (
  renterId: string,
  spec: JobSpec,
  idempotency: { key: string; bodyHash: string } | undefined,
  deps: MatchingDeps,
): Promise<{ jobId: string; status: Job['status'] }> => {
  // The platform's default applies to a job that does not say; a minimum score implies verified.
  spec = { ...spec, verified: spec.minScore !== undefined || (spec.verified ?? deps.settings.requireVerifiedByDefault ?? false) };
  await requireKnownModels(spec.gpu.models, deps);
  spec = await withSavedSshKeys(renterId, spec, deps);
  const marginSeconds = holdMarginSeconds(deps.settings.stopGraceSeconds, deps.settings.clockSkewSeconds);
  const holdAmount = holdAmountFor(spec, marginSeconds);
  const available = await deps.balances.available(renterId);
  if (available < holdAmount) {
    throw new InsufficientFundsError(
      `This job needs a hold of ${formatUsd(holdAmount)} USD (one hour, or its max duration with ${marginSeconds} s of stop grace and clock skew, at its max price); available: ${formatUsd(available)} USD.`,
    );
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const job: Job = {
    jobId: newId('job', now),
    renterId,
    spec,
    status: 'queued',
    statusReason: 'waiting for funds',
    holdAmount,
    fundsHeld: false,
    createdAt: at,
    attempt: 1,
    restarts: 0,
    notAccepted: 0,
    assignments: [],
    cost: microUsd(0),
    revision: 0,
  };
  const result = await deps.jobs.create(
    job,
    [{ at, type: 'submitted', message: `submitted: queued, waiting for a hold of ${formatUsd(holdAmount)} USD` }],
    [newEvent(jobSubmitted, { jobId: job.jobId, renterId, holdAmount, maxDurationSeconds: spec.maxDurationSeconds, holdMarginSeconds: marginSeconds }, now)],
    idempotency,
  );
  if (result.kind === 'created') return { jobId: job.jobId, status: job.status };
  if (!result.sameBody) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with another body.');
  const existing = await deps.jobs.get(result.jobId);
  return { jobId: result.jobId, status: existing?.status ?? 'queued' };
};
