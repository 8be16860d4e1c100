import { existsSync, readFileSync } from 'node:fs';
import { readJsonFile } from '#agent/core/files.ts';
import { readOutboxFile } from '#agent/core/outbox.ts';
import { resolveStateDir, statePaths, type LastHeartbeat } from '#agent/config/state.ts';
import { isAlive } from '#agent/runner/process-runner.ts';
import { verificationRecordsPath } from '#agent/verify/choose.ts';
import { readVerificationRecords } from '#agent/verify/run-verification.ts';
import { readAssignmentsFile } from '#agent/worker/assignment-store.ts';
import { parse, requireState, type Out } from './common.ts';
import { heartbeatLines, verificationLine } from './host-lines.ts';

/** `gpuhive-agent status`: the host, the last heartbeat's answer, the jobs, verification and the outbox. */

export const help = `Usage: gpuhive-agent status [--json] [--state-dir DIR]

Shows the host, whether the agent runs, how the platform saw the host at the last heartbeat
(status, statusReason, listed: why it is or is not earning), the jobs and the outbox.`;

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return out(help), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = requireState(paths);
  const pid = existsSync(paths.pid) ? Number(readFileSync(paths.pid, 'utf8')) : undefined;
  const running = pid !== undefined && isAlive(pid);
  const heartbeat = readJsonFile<LastHeartbeat>(paths.heartbeat);
  const assignments = readAssignmentsFile(paths.assignments);
  const outbox = readOutboxFile(paths.outbox);
  const byKind = { event: 0, usage: 0, logs: 0 };
  for (const entry of outbox) byKind[entry.kind] += 1;
  const report = {
    hostId: state.hostId,
    api: state.apiUrl,
    stateDir: paths.dir,
    agent: running ? { running: true, pid } : { running: false },
    lastHeartbeat: heartbeat ?? null,
    jobs: assignments.filter((record) => record.phase !== 'ended').map((record) => ({
      assignmentId: record.assignmentId, jobId: record.message.jobId, phase: record.phase, runtime: record.runtime, gpus: record.message.gpuIndices, startedAt: record.startedAt ?? null, stopReason: record.stopReason ?? null,
    })),
    recent: assignments.filter((record) => record.phase === 'ended').slice(-10).map((record) => ({ assignmentId: record.assignmentId, outcome: record.outcome, exitCode: record.exitCode ?? null, endedAt: record.endedAt })),
    outbox: { pending: outbox.length, ...byKind, oldestAt: outbox.map((entry) => entry.createdAt).sort()[0] ?? null },
    verifications: readVerificationRecords(verificationRecordsPath(paths)),
  };
  if (values.json) return out(JSON.stringify(report, null, 2)), 0;
  out(`Host ${state.hostId} (${state.gpus.length}x ${state.gpus[0]?.name ?? '?'}${state.simulateGpus ? ', simulated' : ''}) at ${state.apiUrl}, ${state.region}, ${state.pricePerGpuHour}/GPU-hour; runtimes ${state.runtimes.join(', ')}`);
  out(`Agent: ${running ? `running (pid ${pid})` : 'not running'}; state in ${paths.dir}`);
  for (const line of heartbeatLines(heartbeat, running)) out(line);
  out(`Jobs: ${report.jobs.length === 0 ? 'none running' : ''}`);
  for (const job of report.jobs) out(`  ${job.assignmentId} (job ${job.jobId}) ${job.phase} ${job.runtime} GPUs ${job.gpus.join(',')}${job.startedAt ? ` since ${job.startedAt}` : ''}${job.stopReason ? `; stopping: ${job.stopReason}` : ''}`);
  for (const job of report.recent) out(`  ended: ${job.assignmentId} ${job.outcome}${job.exitCode !== null ? ` (exit ${job.exitCode})` : ''} at ${job.endedAt}`);
  out(`Verification: ${report.verifications.length === 0 ? 'no run yet on this host' : 'latest runs'}`);
  for (const line of report.verifications.slice(-5).map(verificationLine)) out(`  ${line}`);
  out(`Outbox: ${outbox.length} waiting (${byKind.event} events, ${byKind.usage} usage records, ${byKind.logs} log chunks)${report.outbox.oldestAt ? `, oldest from ${report.outbox.oldestAt}` : ''}`);
  return 0;
};
