import { placeAvoiding } from '../domain/avoidance.ts';
import { freeGpuIndices, portsFree, reserve, type HostCapacity } from '../domain/capacity.ts';
import { heldBy, type Job } from '../domain/job.ts';
import type { HostMessage } from '../domain/messages.ts';
import { onPlaced, onUnplaceable } from '../domain/transitions.ts';
import type { DomainEvent } from '#events/define.ts';
import type { JobChange } from '../ports.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';
import { eventsOf } from './job-events.ts';
import { placementOrder } from '../domain/preemption.ts';
import { placeByPreempting } from './preempt.ts';

/** Jobs one invocation places at most: a batch's transactions stay well inside a Lambda's time. */
export const MAX_BATCH_JOBS = 200;
/** DynamoDB's limit on items in one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;
const MAX_ROUNDS = 5;

export interface BatchResult {
  placed: number;
  waiting: number;
  /** Transactions written, and those a concurrent writer made fail (the lost races). */
  transactions: number;
  lostRaces: number;
  /** Items written by committed transactions, and how many of them were hosts' capacity. */
  itemsWritten: number;
  hostWrites: number;
}

export const emptyBatchResult = (): BatchResult => ({ placed: 0, waiting: 0, transactions: 0, lostRaces: 0, itemsWritten: 0, hostWrites: 0 });

interface Pending {
  readonly changes: JobChange[];
  readonly hosts: Map<string, HostCapacity>;
  /** The index's copies before this transaction's tentative reservations. */
  readonly originals: Map<string, HostCapacity>;
  readonly sends: HostMessage[];
  items: number;
  /** The size of the transaction's events, which share one outbox item. */
  eventBytes: number;
}

/** What one transaction's shared outbox item may hold (an item is at most 400 KB). */
const MAX_OUTBOX_EVENT_BYTES = 200 * 1024;
const emptyTransaction = (): Pending => ({ changes: [], hosts: new Map(), originals: new Map(), sends: [], items: 0, eventBytes: 0 });

/**
 * Places a batch of funded, queued jobs (at most `MAX_BATCH_JOBS`). Steps: choose hosts for
 * each job from the matcher's pool index, reserving them in memory so the next job sees them
 * taken; pack the jobs into transactions of at most 100 items, where each host is written
 * once with every reservation the transaction makes on it (checked by its revision) and each
 * job once (checked by its revision), with its timeline entry, and one outbox item carries every
 * `job.scheduled` of the transaction; then, per committed transaction, the host messages in
 * parallel and the events in PutEvents batches, and the outbox item is marked sent once.
 * A cancelled transaction names its stale jobs and hosts: only those are read again, and its
 * jobs are placed again in the next round. Jobs that fit nowhere keep their reason.
 */
/**
 * `freshSeconds`: how old the capacity of the batch's pools may be (the cache's own age by
 * default); a caller told that capacity just changed passes 0, so a change made within the
 * cache age is seen.
 */
export const placeBatch = (queued: readonly Job[], deps: MatchingDeps, freshSeconds?: number): Promise<BatchResult> =>
  deps.candidates.exclusive(() => placeInTurn(queued, deps, freshSeconds));

const placeInTurn = async (queued: readonly Job[], deps: MatchingDeps, freshSeconds: number | undefined): Promise<BatchResult> => {
  const result = emptyBatchResult();
  // One transaction may not write an item twice: a job named twice (a repeated message) is placed once.
  const unique = new Map(queued.filter((job) => job.status === 'queued' && job.fundsHeld).map((job) => [job.jobId, job]));
  // On-demand work first, then bids from the highest (docs/interruptible.md).
  let jobs = placementOrder([...unique.values()].slice(0, MAX_BATCH_JOBS));
  const unplaceable = new Map<string, string>();

  // A committed transaction's messages and events go out while the next one is built and written.
  let delivering: Promise<unknown> = Promise.resolve();

  // Jobs that fit nowhere, kept to look at once more with every shard current.
  const unplaced = new Map<string, Job>();
  let widened = false;
  // The look again may take one round past the last.
  for (let round = 0; (round < MAX_ROUNDS || (widened && round === MAX_ROUNDS)) && jobs.length > 0; round += 1) {
    // Only the batch's pools need to be current: other pools' changes are not read.
    // Fresh reads only of the batch's pools: the widened look at every shard keeps the cache age,
    // or each nudge of a group whose jobs fit nowhere would read all the shards again.
    const index = widened ? await deps.candidates.all() : await deps.candidates.all(freshSeconds, jobs);
    const again: Job[] = [];
    let transaction = emptyTransaction();

    const commit = async (): Promise<void> => {
      const current = transaction;
      transaction = emptyTransaction();
      if (current.changes.length === 0) return;
      result.transactions += 1;
      let outcome: Awaited<ReturnType<typeof deps.jobs.commitBatch>>;
      try {
        outcome = await deps.jobs.commitBatch(current.changes, [...current.hosts.values()]);
      } catch (error) {
        // Unknown whether it was written: the index must not keep the tentative copies.
        deps.candidates.restore([...current.originals.values()]);
        await deps.candidates.refresh([...current.hosts.keys()]);
        throw error;
      }
      if (outcome.committed) {
        result.placed += current.changes.length;
        result.itemsWritten += current.items + (current.eventBytes > 0 ? 1 : 0);
        result.hostWrites += current.hosts.size;
        // Neither throws: what is not sent is resent by the sweeps (host messages, outbox).
        delivering = Promise.all([delivering, deps.messenger.send(current.sends), deps.jobs.publishBatch(current.changes.flatMap((change) => change.events))]);
        return;
      }
      result.lostRaces += 1;
      deps.candidates.restore([...current.originals.values()]);
      await deps.candidates.refresh(outcome.staleHostIds);
      const stale = new Set(outcome.staleJobIds);
      for (const change of current.changes) {
        const job = stale.has(change.before.jobId) ? await deps.jobs.get(change.before.jobId) : change.before;
        if (job && job.status === 'queued' && job.fundsHeld) again.push(job);
      }
    };

    for (const job of jobs) {
      const now = deps.clock.now();
      const placement = placeAvoiding(job, (requirements, seed) => index.place(requirements, seed), now, deps.settings);
      if (placement.kind === 'unplaceable') {
        if (await placeByPreempting(job, index, deps, commit)) {
          unplaceable.delete(job.jobId);
          result.placed += 1;
          continue;
        }
        unplaceable.set(job.jobId, placement.reason);
        unplaced.set(job.jobId, job);
        continue;
      }
      unplaceable.delete(job.jobId);
      const outcome = onPlaced(job, placement.hosts, now);
      const events: DomainEvent[] = eventsOf(outcome, now);
      // Hosts already written by this transaction cost nothing more; counted again after a commit empties it.
      // One item is kept for the transaction's outbox item, which carries every job's events.
      const itemsOf = () => 1 + outcome.timeline.length + placement.hosts.filter((host) => !transaction.hosts.has(host.hostId)).length;
      const eventBytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
      if (transaction.items + itemsOf() + 1 > MAX_TRANSACTION_ITEMS || transaction.eventBytes + eventBytes > MAX_OUTBOX_EVENT_BYTES) await commit();
      const items = itemsOf();
      // A copy refreshed meanwhile may show these GPUs taken: place the job again next round.
      const fits = outcome.reserve.every((assignment) => {
        const base = transaction.hosts.get(assignment.hostId) ?? index.get(assignment.hostId);
        const free = base ? freeGpuIndices(base) : [];
        const { hostPorts = [] } = heldBy(job.jobId, assignment);
        return assignment.gpuIndices.every((gpu) => free.includes(gpu)) && !(base && assignment.assignmentId in base.live) && (!base || portsFree(base, hostPorts));
      });
      if (!fits) {
        again.push(job);
        continue;
      }
      for (const assignment of outcome.reserve) {
        const base = transaction.hosts.get(assignment.hostId) ?? index.get(assignment.hostId);
        if (!base) throw new Error(`No capacity for host ${assignment.hostId}`);
        if (!transaction.hosts.has(assignment.hostId)) transaction.originals.set(assignment.hostId, base);
        const bumped = transaction.hosts.has(assignment.hostId) ? base : { ...base, revision: base.revision + 1 };
        const reserved = reserve(bumped, assignment.assignmentId, heldBy(job.jobId, assignment));
        transaction.hosts.set(assignment.hostId, reserved);
        // Tentatively taken: the next job of the batch must not choose these GPUs.
        index.replace(reserved);
      }
      transaction.changes.push({ before: job, after: outcome.job, timeline: outcome.timeline, events });
      transaction.sends.push(...outcome.send);
      transaction.items += items;
      transaction.eventBytes += eventBytes;
    }
    await commit();
    jobs = again;
    // A host that joined a job's pool as its second GPU model is listed under its first pool's
    // shards: before jobs wait, the index is brought up to date everywhere and they look again.
    if (jobs.length === 0 && !widened && unplaced.size > 0) {
      widened = true;
      jobs = [...unplaced.values()];
    }
  }

  await delivering;
  for (const [jobId, reason] of unplaceable) {
    await applyToJob(jobId, (current, now) => onUnplaceable(current, reason, now), deps);
    result.waiting += 1;
  }
  result.waiting += jobs.length;
  return result;
};
