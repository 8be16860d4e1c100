import type { UsageRecord } from '#agent/api/types.ts';
import { isoTime } from '#agent/core/clock.ts';

/** The record number as an eventId: stable, so a record written before a crash is resent as itself. */
export const usageEventId = (seq: number): string => `usage-${String(seq).padStart(6, '0')}`;

/**
 * One usage record for [from, to): GPU-seconds are the assignment's GPUs times the wall time
 * (to the millisecond); utilization is the mean over its GPUs, when nvidia-smi gave one.
 */
export const usageRecord = (input: {
  readonly assignmentId: string;
  readonly seq: number;
  readonly gpuCount: number;
  readonly from: Date;
  readonly to: Date;
  readonly utilization?: readonly number[];
}): UsageRecord | undefined => {
  const seconds = (input.to.getTime() - input.from.getTime()) / 1000;
  if (seconds <= 0) return undefined;
  const samples = input.utilization ?? [];
  return {
    eventId: usageEventId(input.seq),
    assignmentId: input.assignmentId,
    from: isoTime(input.from),
    to: isoTime(input.to),
    gpuSeconds: Math.round(seconds * input.gpuCount * 1000) / 1000,
    ...(samples.length > 0 ? { gpuUtilization: Math.round((samples.reduce((a, b) => a + b, 0) / samples.length) * 10) / 10 } : {}),
  };
};

/** True when the interval since `from` is long enough to report. */
export const usageDue = (from: Date, now: Date, intervalMs: number): boolean => now.getTime() - from.getTime() >= intervalMs;
