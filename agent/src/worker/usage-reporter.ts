import { usageDue, usageRecord } from '#agent/usage/meter.ts';
import type { AssignmentRecord } from './assignment-store.ts';
import type { WorkerContext } from './context.ts';

/**
 * Usage of each running assignment, every interval (default 60 s) and at its end, into the
 * outbox as records with stable event ids: a record written before a crash is resent as itself.
 */
export class UsageReporter {
  constructor(private readonly context: WorkerContext) {}

  private get intervalMs(): number {
    return this.context.options.usageIntervalMs ?? 60_000;
  }

  /** The usage from the record's last report to `now`, if any. */
  report(record: AssignmentRecord, now: Date, utilization?: Map<number, number>): void {
    if (!record.usageFrom) return;
    const { outbox, store } = this.context;
    const samples = record.message.gpuIndices.map((index) => utilization?.get(index)).filter((value): value is number => value !== undefined);
    const usage = usageRecord({ assignmentId: record.assignmentId, seq: record.usageSeq, gpuCount: record.message.gpuIndices.length, from: new Date(record.usageFrom), to: now, utilization: samples });
    if (!usage) return;
    // Outbox first, then the store: after a crash between the two the same seq (and eventId) is reused.
    outbox.put([{ id: `${record.assignmentId}/usage/${usage.eventId}`, kind: 'usage', assignmentId: record.assignmentId, payload: usage }]);
    store.update(record.assignmentId, { usageSeq: record.usageSeq + 1, usageFrom: usage.to });
  }

  async loop(signal: AbortSignal): Promise<void> {
    const { options, store, sleep, clock } = this.context;
    const interval = this.intervalMs;
    while (!signal.aborted) {
      // Busy: look every second; idle: rarely (a job's first record is due a full interval after it starts).
      await sleep(Math.min(interval, store.active().length > 0 ? 1000 : 10_000), signal);
      const now = clock();
      const due = store.active().filter((record) => (record.phase === 'running' || record.phase === 'stopping') && record.usageFrom && usageDue(new Date(record.usageFrom), now, interval));
      if (due.length === 0) continue;
      const utilization = await options.gpuUtilization?.().catch(() => undefined);
      for (const record of due) this.report(record, now, utilization);
    }
  }
}
