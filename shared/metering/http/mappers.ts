import { formatUsd } from '#platform/money.ts';
import { effectiveLease } from '../domain/lease.ts';
import type { AssignmentUsage } from '../ports.ts';
import type { RecordOutcome, RecordUsageResult } from '../use-cases/record-usage.ts';

const seconds = (ms: number): number => ms / 1000;

const outcomeView = (outcome: RecordOutcome) => ({
  eventId: outcome.eventId,
  assignmentId: outcome.assignmentId,
  status: outcome.status,
  ...(outcome.original ? { original: outcome.original } : {}),
  ...(outcome.usageRecordId ? { usageRecordId: outcome.usageRecordId } : {}),
  ...(outcome.gpuMs !== undefined ? { gpuSeconds: seconds(outcome.gpuMs) } : {}),
  ...(outcome.clipped ? { clipped: outcome.clipped } : {}),
  ...(outcome.reason ? { reason: outcome.reason } : {}),
});

/** The 202 of `POST /v1/agent/usage`: every record is stored; counts first, then each record. */
export const usageReceiptView = (result: RecordUsageResult) => ({
  accepted: result.outcomes.filter((outcome) => outcome.status === 'accepted').length,
  duplicates: result.outcomes.filter((outcome) => outcome.status === 'duplicate').length,
  pending: result.outcomes.filter((outcome) => outcome.status === 'pending').length,
  rejected: result.outcomes
    .filter((outcome) => outcome.status === 'rejected')
    .map((outcome) => ({ eventId: outcome.eventId, assignmentId: outcome.assignmentId, reason: outcome.reason })),
  records: result.outcomes.map(outcomeView),
});

const counts = (usage: AssignmentUsage) => ({
  accepted: usage.summary?.acceptedRecords ?? 0,
  clipped: usage.summary?.clippedRecords ?? 0,
  rejected: usage.summary?.rejectedRecords ?? 0,
  pending: usage.pendingRecords,
});

/** The lease as usage is billed against it: on host loss, ended no earlier than the last usage received while it was open. */
const leaseEndOf = (usage: AssignmentUsage): string | null =>
  effectiveLease(usage.lease, usage.summary?.lastOpenUsageAt)?.leaseEnd ?? null;

export const assignmentUsageView = (usage: AssignmentUsage, withHours: boolean) => ({
  assignmentId: usage.lease.assignmentId,
  jobId: usage.lease.jobId,
  hostId: usage.lease.hostId,
  gpuCount: usage.lease.gpuCount,
  gpuModel: usage.lease.gpuModel,
  pricePerGpuHour: formatUsd(usage.lease.pricePerGpuHour),
  leaseStart: usage.lease.leaseStart ?? null,
  leaseEnd: leaseEndOf(usage),
  endReason: usage.lease.endReason ?? null,
  gpuSeconds: seconds(usage.summary?.gpuMs ?? 0),
  reportedGpuSeconds: seconds(usage.summary?.reportedGpuMs ?? 0),
  records: counts(usage),
  ...(withHours
    ? {
        hours: [...usage.hours]
          .sort((a, b) => a.hour.localeCompare(b.hour))
          .map((hour) => ({
            hour: `${hour.hour}:00:00.000Z`,
            gpuSeconds: seconds(hour.gpuMs),
            records: hour.records,
            gpuUtilization: hour.weighedGpuMs > 0 ? Math.round((hour.utilizationGpuMs / hour.weighedGpuMs) * 10) / 10 : null,
          })),
      }
    : {}),
});

export const jobUsageView = (jobId: string, usage: readonly AssignmentUsage[]) => {
  const assignments = usage.map((one) => assignmentUsageView(one, true));
  return {
    jobId,
    gpuSeconds: assignments.reduce((sum, one) => sum + Math.round(one.gpuSeconds * 1000), 0) / 1000,
    records: {
      accepted: assignments.reduce((sum, one) => sum + one.records.accepted, 0),
      clipped: assignments.reduce((sum, one) => sum + one.records.clipped, 0),
      rejected: assignments.reduce((sum, one) => sum + one.records.rejected, 0),
      pending: assignments.reduce((sum, one) => sum + one.records.pending, 0),
    },
    assignments,
  };
};
