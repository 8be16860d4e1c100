import { killLeftover } from '#agent/runner/process-runner.ts';
import { DEFAULT_STOP_GRACE_MS, type WorkerContext } from './context.ts';
import { finishAssignment, putEvent, withTail } from './job-events.ts';
import type { JobSupervisor } from './job-supervisor.ts';

/**
 * After a restart, each assignment the last agent left unfinished: an `accepted` whose answer
 * is unknown is asked again; a Docker job still running is re-attached; a process job (which
 * ends with its agent) or a container gone while the agent was down is reported as ended.
 */
export const recoverAssignments = async (context: WorkerContext, jobs: JobSupervisor): Promise<void> => {
  const { options, store, sleep } = context;
  for (const record of store.active()) {
    const { logger } = options;
    logger.info('recovering assignment', { assignmentId: record.assignmentId, phase: record.phase, runtime: record.runtime });
    if (record.phase === 'accepting') {
      // Whether the API answered before the crash is unknown: ask again (an accepted answer is idempotent).
      putEvent(context, record, { type: 'accepted' });
      continue;
    }
    const logs = jobs.logsOf(record);
    if (record.runtime === 'docker' && options.runners.docker) {
      const job = await options.runners.docker.reattach(record.assignmentId, logs, record.lastLogAt);
      if (job) {
        logger.info('re-attached to the running container', { assignmentId: record.assignmentId, container: job.containerName });
        jobs.follow(record, logs, job);
        if (record.stopReason) void jobs.stop(record, record.stopReason);
        continue;
      }
    }
    if (record.pid !== undefined && record.message.command?.[0]) {
      await killLeftover(record.pid, record.message.command[0], options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS, (ms) => sleep(ms));
    }
    jobs.release(record);
    if (record.stopReason && record.stopReason.startsWith('cancel')) {
      finishAssignment(context, record, { type: 'stopped', message: record.stopReason }, 'stopped');
    } else {
      const why = record.runtime === 'process'
        ? 'the agent stopped while this process job ran (process jobs end with the agent)'
        : 'the container ended while the agent was down; its exit code is unknown';
      finishAssignment(context, record, { type: 'failed', message: withTail(why, jobs.tail(record.assignmentId)) }, 'failed');
    }
  }
};
