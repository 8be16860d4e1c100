import type { HostMessage } from '#agent/api/types.ts';
import type { WorkerContext } from './context.ts';
import type { IdleVerification } from './idle-verification.ts';
import type { JobSupervisor } from './job-supervisor.ts';

/**
 * One message from the host's queue. Returns true once its effect is in the outbox or the
 * store, so the poller may delete it; false leaves it in the queue.
 */
export const handleMessage = async (context: WorkerContext, jobs: JobSupervisor, verification: IdleVerification, message: HostMessage): Promise<boolean> => {
  if (message.type === 'cancel') {
    jobs.cancel(message.assignmentId, `cancelled: ${message.reason}`, message);
    return true;
  }
  // Draining or stopping: leave it in the queue; unaccepted, the platform places it elsewhere.
  if (context.isDraining() || context.stopping.aborted) return context.store.get(message.assignmentId) !== undefined;
  // A renter's work never waits for verification: the run in progress gives way at once.
  verification.abortForAssignment();
  jobs.accept(message);
  return true;
};
