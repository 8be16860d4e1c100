import { placeAvoiding } from '../domain/avoidance.ts';
import { requirementsOf, type Job } from '../domain/job.ts';
import { onPlaced, onUnplaceable } from '../domain/transitions.ts';
import { applyToJob, capacityChanges, commitState, type Delivery } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { placeByPreempting } from './preempt.ts';
import { emptyBatchResult, MAX_BATCH_JOBS, placeBatch, type BatchResult } from './place-batch.ts';

const MAX_RACES = 5;
/** A copy of the hosts younger than this is trusted when it says a job fits nowhere. */
export const FRESH_SECONDS = 1;

/**
 * How old a copy may be for a job's second look: `FRESH_SECONDS`, but never read before the job
 * was submitted. A host that came online just before a submit is missing from a copy read
 * earlier, and that host's nudge found this job not yet funded: trusting the copy left the job
 * waiting for the sweep with the host free.
 */
export const freshSecondsFor = (job: Pick<Job, 'createdAt'>, now: Date): number =>
  Math.max(0, Math.min(FRESH_SECONDS, (now.getTime() - Date.parse(job.createdAt)) / 1000));

export type PlaceResult = 'placed' | 'waiting' | 'gone';

/**
 * Places one funded, queued job: choose hosts from the in-memory candidates, then reserve
 * them with one transaction (job + every host of the gang, each checked by revision), so
 * a gang is whole or absent and no GPU is held twice. A lost race refreshes those hosts and
 * tries again; a job that fits nowhere keeps its reason for the renter.
 */
export const placeJob = async (queued: Job, deps: MatchingDeps): Promise<PlaceResult> => {
  const { result, delivery } = await deps.candidates.exclusive(() => placeOne(queued, deps));
  // Sent after the turn: the next placement need not wait for this one's sends.
  await delivery?.();
  return result;
};

const placeOne = async (queued: Job, deps: MatchingDeps): Promise<{ result: PlaceResult; delivery?: Delivery }> => {
  let job: Job | undefined = queued;
  for (let race = 0; race < MAX_RACES && job; race += 1) {
    if (job.status !== 'queued' || !job.fundsHeld) return { result: 'gone' };
    let candidates = await deps.candidates.all(undefined, [job]);
    const now = deps.clock.now();
    let placement = placeAvoiding(job, (requirements, seed) => candidates.place(requirements, seed), now, deps.settings);
    if (placement.kind === 'unplaceable') {
      // The copy may predate a host that just came online: look again before waiting.
      candidates = await deps.candidates.lookAgain(freshSecondsFor(job, now), [requirementsOf(job)]);
      placement = placeAvoiding(job, (requirements, seed) => candidates.place(requirements, seed), now, deps.settings);
    }
    if (placement.kind === 'unplaceable' && (await placeByPreempting(job, candidates, deps))) return { result: 'placed' };
    if (placement.kind === 'unplaceable') {
      await applyToJob(job.jobId, (current, now) => onUnplaceable(current, placement.reason, now), deps);
      return { result: 'waiting' };
    }
    const outcome = onPlaced(job, placement.hosts, deps.clock.now());
    const hosts = await capacityChanges(outcome, (hostId) => candidates.get(hostId));
    const delivery = await commitState(job, outcome, hosts, deps);
    if (delivery) return { result: 'placed', delivery };
    await deps.candidates.refresh(placement.hosts.map((host) => host.hostId));
    job = await deps.jobs.get(job.jobId);
  }
  return { result: 'waiting' };
};

/** Fisher-Yates, so that concurrent matchers reading the same queue head rarely collide. */
const shuffled = <T>(items: readonly T[]): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

/**
 * Wakes the matcher: places funded, queued jobs from the head of the queue (of one placement
 * group, or of all) in batches (`placeJobs`).
 */
export const placeQueuedJobs = async (deps: MatchingDeps, limit = 100, group?: number, freshSeconds?: number): Promise<BatchResult> =>
  placeJobs(await deps.jobs.listPlaceable(limit, group), deps, freshSeconds);

/**
 * Places funded, queued jobs in batches (`placeBatch`: many placements per transaction),
 * shuffled, since several matchers may read the same head of the queue at once.
 */
export const placeJobs = async (queued: readonly Job[], deps: MatchingDeps, freshSeconds?: number): Promise<BatchResult> => {
  const total = emptyBatchResult();
  const jobs = shuffled(queued);
  for (let start = 0; start < jobs.length; start += MAX_BATCH_JOBS) {
    const batch = await placeBatch(jobs.slice(start, start + MAX_BATCH_JOBS), deps, freshSeconds);
    for (const key of Object.keys(total) as (keyof BatchResult)[]) total[key] += batch[key];
  }
  return total;
};
