import type { AssignmentMessage, Runtime } from '#agent/api/types.ts';
import { readJsonFile, writeJsonFile } from '#agent/core/files.ts';

/**
 * accepting: `accepted` is in the outbox, waiting for the API's answer;
 * starting: accepted, the runtime is being started; running; stopping: a stop was asked;
 * ended: reported (or dropped) and kept a while for reconciling and `status`.
 */
export type Phase = 'accepting' | 'starting' | 'running' | 'stopping' | 'ended';

export interface AssignmentRecord {
  readonly assignmentId: string;
  readonly message: AssignmentMessage;
  readonly runtime: Runtime;
  phase: Phase;
  readonly receivedAt: string;
  startedAt?: string;
  endedAt?: string;
  pid?: number;
  containerName?: string;
  /** Why it must stop (a cancel, the platform no longer lists it, max duration, the agent stopping). */
  stopReason?: string;
  /** The next usage record's number: its eventId is derived from it, so a resend is the same record. */
  usageSeq: number;
  /** Start of the interval not yet reported as usage. */
  usageFrom?: string;
  logSeq: number;
  /** Last time a log line was read, for re-attaching to Docker logs without repeats. */
  lastLogAt?: string;
  exitCode?: number;
  outcome?: 'exited' | 'failed' | 'stopped' | 'withdrawn';
}

const KEEP_ENDED_MS = 60 * 60 * 1000;

/** The assignments this host knows, rewritten atomically (write, fsync, rename) on each change. */
export class AssignmentStore {
  private readonly records = new Map<string, AssignmentRecord>();

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    const saved = readJsonFile<{ assignments: AssignmentRecord[] }>(path);
    for (const record of saved?.assignments ?? []) this.records.set(record.assignmentId, record);
  }

  get(assignmentId: string): AssignmentRecord | undefined {
    return this.records.get(assignmentId);
  }

  all(): AssignmentRecord[] {
    return [...this.records.values()];
  }

  active(): AssignmentRecord[] {
    return this.all().filter((record) => record.phase !== 'ended');
  }

  /** Adds or replaces, then saves. */
  put(record: AssignmentRecord): void {
    this.records.set(record.assignmentId, record);
    this.save();
  }

  update(assignmentId: string, patch: Partial<AssignmentRecord>): AssignmentRecord | undefined {
    const record = this.records.get(assignmentId);
    if (!record) return undefined;
    Object.assign(record, patch);
    this.save();
    return record;
  }

  save(): void {
    const cutoff = this.now().getTime() - KEEP_ENDED_MS;
    for (const [id, record] of this.records) {
      if (record.phase === 'ended' && Date.parse(record.endedAt ?? record.receivedAt) < cutoff) this.records.delete(id);
    }
    writeJsonFile(this.path, { assignments: this.all() });
  }
}

export const readAssignmentsFile = (path: string): AssignmentRecord[] =>
  readJsonFile<{ assignments: AssignmentRecord[] }>(path)?.assignments ?? [];
