import { describe, expect, it } from 'vitest';
import type { Lease } from '#metering/domain/lease.ts';
import { assignmentUsageView } from '#metering/http/mappers.ts';
import type { AssignmentUsage, UsageSummary } from '#metering/ports.ts';
import type { MicroUsd } from '#platform/money.ts';

const lease = (endReason: string): Lease => ({
  assignmentId: 'job_1.a1.r0', jobId: 'job_1', renterId: 'acc_r', providerId: 'acc_p', hostId: 'host_1',
  gpuCount: 1, gpuModel: 'A100', pricePerGpuHour: 1_800_000 as MicroUsd,
  leaseStart: '2026-11-25T10:00:00.000Z', leaseEnd: '2026-11-25T10:05:00.000Z', endReason, ended: true,
});

const summary = (lastOpenUsageAt: string): UsageSummary => ({
  assignmentId: 'job_1.a1.r0', version: 3, coverage: [], acceptedRecords: 3, clippedRecords: 0, rejectedRecords: 0,
  gpuMs: 300_000, reportedGpuMs: 300_000, lastOpenUsageAt,
});

const usage = (endReason: string, lastOpenUsageAt: string): AssignmentUsage => ({
  lease: lease(endReason), summary: summary(lastOpenUsageAt), hours: [], pendingRecords: 0,
});

describe('the usage view of a lease', () => {
  it('shows a lost host\'s lease ending at the last usage received while it was open, when that came after the last heartbeat', () => {
    expect(assignmentUsageView(usage('host_lost', '2026-11-25T10:05:00.042Z'), false).leaseEnd).toBe('2026-11-25T10:05:00.042Z');
  });

  it('keeps the heartbeat\'s end when the last usage came before it', () => {
    expect(assignmentUsageView(usage('host_lost', '2026-11-25T10:04:59.000Z'), false).leaseEnd).toBe('2026-11-25T10:05:00.000Z');
  });

  it('never moves the end of a lease that did not end in host loss', () => {
    expect(assignmentUsageView(usage('exited', '2026-11-25T10:05:03.000Z'), false).leaseEnd).toBe('2026-11-25T10:05:00.000Z');
  });
});
