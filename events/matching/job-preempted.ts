import { z } from 'zod';
import { defineEvent } from '../define.ts';

/**
 * An interruptible job gave way to on-demand work or a higher bid (docs/interruptible.md):
 * its ranks got SIGTERM and are stopped by `deadline` at the latest, and billing ends there
 * at the latest. `requeued`: it waits in the queue for other GPUs (restartPolicy
 * `on-preemption`); otherwise it ended `preempted`. Renters may subscribe to it.
 */
export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'job.preempted',
  version: 1,
  payload: {
    jobId: z.string(),
    renterId: z.string(),
    assignmentIds: z.array(z.string()),
    hostIds: z.array(z.string()),
    cause: z.enum(['on-demand', 'higher-bid']),
    deadline: z.iso.datetime(),
    requeued: z.boolean(),
    preemptions: z.number().int().positive(),
  },
});
