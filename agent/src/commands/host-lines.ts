import type { MaintenanceWindow } from '#agent/api/types.ts';
import type { LastHeartbeat } from '#agent/config/state.ts';
import type { VerificationRecord } from '#agent/verify/run-verification.ts';

/** What `status` and `doctor` say about the platform's last answer and the verification runs. */

/** What the last answer from the platform means for earning, and what to do about it. */
export const heartbeatLines = (heartbeat: LastHeartbeat | undefined, running: boolean): string[] => {
  const lines: string[] = [];
  if (!heartbeat) lines.push('Last heartbeat: none yet');
  else if (heartbeat.ok) {
    const receives = heartbeat.acceptsWork === false && heartbeat.status === 'online' && heartbeat.listed ? ', NOT receiving work' : '';
    lines.push(`Last heartbeat ${heartbeat.at}: ${heartbeat.status}${heartbeat.statusReason ? ` (${heartbeat.statusReason})` : ''}, ${heartbeat.listed ? `listed${receives}` : 'NOT listed: renters cannot see this host'}${running ? '' : ' (the agent does not run now)'}`);
  } else lines.push(`Last heartbeat ${heartbeat.at} FAILED: ${heartbeat.error}`);
  lines.push(...maintenanceLines(heartbeat?.maintenance, new Date()));
  if (heartbeat?.queuePoll && running) {
    lines.push(`Queue: FAILING since ${heartbeat.queuePoll.failingSince} (${heartbeat.queuePoll.failures} polls): ${heartbeat.queuePoll.error}`);
    lines.push(`  no assignment can reach this host, so the platform places no work here; ${QUEUE_FIX}`);
  }
  return lines;
};

/** The provider's windows not yet ended, as the last heartbeat listed them: no work that could run into one is placed here. */
export const maintenanceLines = (windows: readonly MaintenanceWindow[] | undefined, now: Date): string[] => {
  const ahead = (windows ?? []).filter((window) => Date.parse(window.endsAt) > now.getTime());
  if (ahead.length === 0) return [];
  return [
    'Maintenance (no work that could run into a window is placed here):',
    ...ahead.map((window) => `  ${window.category} ${window.startsAt} to ${window.endsAt}${Date.parse(window.startsAt) <= now.getTime() ? ' (in progress)' : ''}${window.note ? `: ${window.note}` : ''}`),
  ];
};

export const QUEUE_FIX = 'the agent renews its queue credentials and endpoint every few failed polls on its own. If it persists: check that outbound HTTPS to the queue endpoint is allowed, then restart the agent; gpuhive-agent doctor tests the connection';

export const verificationLine = (record: VerificationRecord): string =>
  `${record.endedAt} ${record.runId} (${record.backend}): ${record.outcome}${record.score !== undefined ? `, score ${record.score}` : ''}${record.gpus ? ` [${record.gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.tflops} TFLOPS, ${gpu.bandwidthGBs} GB/s`).join('; ')}]` : ''}${record.reason ? `: ${record.reason}` : ''}`;
