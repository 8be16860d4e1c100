import type { AgentEvent } from '#agent/api/types.ts';
import type { AssignmentRecord } from './assignment-store.ts';
import type { WorkerContext } from './context.ts';
import { isoTime } from '#agent/core/clock.ts';

/** How many of a job's last output lines a `failed` or non-zero `exited` event carries. */
export const LOG_TAIL_LINES = 20;
const MESSAGE_LIMIT = 2000;

/**
 * The API refuses control characters other than tab and newline in an event's message (a
 * job's colours and progress bars would otherwise reach the renter's terminal): each becomes
 * U+FFFD, one character for one, so the message stays within its limit.
 */
const inertMessage = (text: string): string => text.replace(/(?![\t\n])\p{Cc}/gu, '\uFFFD');

/** `failed` and non-zero `exited` carry the job's last lines, within the API's 2,000 characters. */
export const withTail = (text: string, tail: string): string => {
  const full = tail ? `${text}\n--- last lines ---\n${tail}` : text;
  return full.length <= MESSAGE_LIMIT ? full : `${text}\n--- last lines ---\n…${tail.slice(-(MESSAGE_LIMIT - text.length - 40))}`;
};

/**
 * An assignment's event into the outbox, stamped now. `variant` tells apart events of one type
 * that each must be delivered (a `started` with more ready ports). `afterLogs`: the job's end,
 * which waits for the job's earlier output to be stored (OutboxSender).
 */
export const putEvent = (context: WorkerContext, record: AssignmentRecord, event: Omit<AgentEvent, 'at'>, { variant, afterLogs = false }: { variant?: string; afterLogs?: boolean } = {}): void => {
  const inert = event.message === undefined ? event : { ...event, message: inertMessage(event.message) };
  context.outbox.put([{
    id: `${record.assignmentId}/event/${event.type}${variant ? `/${variant}` : ''}`, kind: 'event', assignmentId: record.assignmentId,
    payload: { ...inert, at: isoTime(context.clock()) }, ...(afterLogs ? { afterLogs } : {}),
  }]);
};

/** The assignment's last event, and its record ended: a draining agent may now sign off. */
export const finishAssignment = (
  context: WorkerContext,
  record: AssignmentRecord,
  event: Omit<AgentEvent, 'at'>,
  outcome: NonNullable<AssignmentRecord['outcome']>,
  exitCode?: number,
): void => {
  putEvent(context, record, event, { afterLogs: true });
  context.store.update(record.assignmentId, { phase: 'ended', outcome, endedAt: isoTime(context.clock()), ...(exitCode !== undefined ? { exitCode } : {}) });
  context.wakeDrain();
};
