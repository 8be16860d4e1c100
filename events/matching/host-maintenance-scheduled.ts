import { z } from 'zod';
import { defineEvent } from '../define.ts';
import { maintenanceWindow } from '../registry/host-facts.ts';

/**
 * A host running a renter's job has maintenance scheduled: one per job and window, to the
 * job's renter. Matching announces it, not the registry: matching alone knows which jobs
 * are live on a host and whose they are (the registry only learns assignment ids).
 */
export const event = defineEvent({
  source: 'gpuhive.matching',
  detailType: 'host.maintenance_scheduled',
  version: 1,
  payload: {
    renterId: z.string(),
    jobId: z.string(),
    hostId: z.string(),
    /** The job's live assignments on the host. */
    assignmentIds: z.array(z.string()),
    window: maintenanceWindow,
  },
});
