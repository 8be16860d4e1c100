import type { Sleep } from '#agent/core/backoff.ts';
import type { AssignmentRecord } from './assignment-store.ts';

/** How often the handover looks whether a preempted job has let go of its GPUs. */
const LOOK_EVERY_MS = 250;
/** The platform kills a preempted job by its deadline (at most the grace, 30 s by default): never wait much past that. */
export const MAX_HANDOVER_MS = 120_000;

/** The GPUs held by this host's other started jobs (a preempted one keeps them until it is gone). */
export const gpusInUse = (records: readonly AssignmentRecord[], except: string): Set<number> =>
  new Set(records.filter((record) => record.assignmentId !== except && (record.phase === 'starting' || record.phase === 'running' || record.phase === 'stopping')).flatMap((record) => record.message.gpuIndices));

/**
 * Interruptible work (docs/interruptible.md): the platform gives a preempted job's GPUs to the
 * work that preempted it at once, and tells the agent to stop the old job by a deadline. The
 * new job starts only once no other job of this host holds its GPUs (SIGTERM's grace must
 * not be shared with it), or after `maxMs` at the latest, if a job somehow never ends.
 * Resolves to the time waited, in ms.
 */
export const waitForGpus = async (
  gpuIndices: readonly number[],
  inUse: () => ReadonlySet<number>,
  sleep: Sleep,
  maxMs = MAX_HANDOVER_MS,
  signal?: AbortSignal,
): Promise<number> => {
  const started = Date.now();
  while (gpuIndices.some((gpu) => inUse().has(gpu)) && Date.now() - started < maxMs && !signal?.aborted) await sleep(LOOK_EVERY_MS, signal);
  return Date.now() - started;
};
