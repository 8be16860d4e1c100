import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import type { Lease } from '#metering/domain/lease.ts';
import { cover, hourShares, judgeBatch, judgeUsage, uncovered, type ReceivedUsage } from '#metering/domain/usage.ts';
import { T0, at } from '#test/support/factories.ts';

const iso = (seconds: number) => at(T0, seconds).toISOString();
const skew5 = { clockSkewSeconds: 5 };
const noSkew = { clockSkewSeconds: 0 };

const lease = (overrides: Partial<Lease> = {}): Lease => ({
  assignmentId: 'asg_1', jobId: 'job_1', renterId: 'acct_r', providerId: 'acct_p', hostId: 'host_1',
  gpuCount: 2, gpuModel: 'RTX 4090', pricePerGpuHour: microUsd(900_000), leaseStart: iso(0), ended: false, ...overrides,
});
const ended = (end: number) => lease({ leaseEnd: iso(end), ended: true });

const usage = (from: number, to: number, gpuSeconds: number, overrides: Partial<ReceivedUsage> = {}): ReceivedUsage => ({
  eventId: `ev_${from}_${to}`, assignmentId: 'asg_1', hostId: 'host_1', from: iso(from), to: iso(to), gpuSeconds, receivedAt: iso(to), ...overrides,
});

describe('judgeUsage', () => {
  it('clips an open lease at its billable end, whatever the time of receipt, with no skew past it (issue 13)', () => {
    const capped = lease({ billableUntil: iso(95) });

    expect(judgeUsage(usage(80, 120, 40, { receivedAt: iso(120) }), capped, [], skew5)).toMatchObject({ status: 'accepted', gpuMs: 15_000, to: at(T0, 95).getTime(), clipped: ['outside_lease'] });
    expect(judgeUsage(usage(96, 130, 34, { receivedAt: iso(130) }), capped, [], skew5)).toEqual({ status: 'rejected', reason: 'outside_lease' });
  });

  it('clips an ended lease at the earlier of its end and its billable end', () => {
    expect(judgeUsage(usage(0, 200, 200, { receivedAt: iso(300) }), lease({ leaseEnd: iso(180), ended: true, billableUntil: iso(95) }), [], noSkew)).toMatchObject({ status: 'accepted', gpuMs: 95_000 });
  });

  it('accepts a record inside the lease whole', () => {
    expect(judgeUsage(usage(0, 60, 120), lease(), [], noSkew)).toMatchObject({ status: 'accepted', gpuMs: 120_000, clipped: [] });
  });

  it('clips a record that starts before the lease, pro-rating the GPU-seconds to the time kept', () => {
    const verdict = judgeUsage(usage(-30, 30, 60), lease(), [], noSkew);

    expect(verdict).toMatchObject({ status: 'accepted', gpuMs: 30_000, from: at(T0, 0).getTime(), clipped: ['outside_lease'] });
  });

  it('tolerates a clock skew within the allowance, and clips beyond it', () => {
    expect(judgeUsage(usage(-4, 56, 60), lease(), [], skew5)).toMatchObject({ status: 'accepted', gpuMs: 60_000, clipped: [] });
    expect(judgeUsage(usage(-10, 50, 60), lease(), [], skew5)).toMatchObject({ status: 'accepted', gpuMs: 55_000, clipped: ['outside_lease'] });
  });

  it('clips at the lease end of an ended lease', () => {
    expect(judgeUsage(usage(540, 660, 120, { receivedAt: iso(700) }), ended(600), [], noSkew)).toMatchObject({ status: 'accepted', gpuMs: 60_000 });
  });

  it('never bills an open lease past the time the record was received (plus the allowance)', () => {
    const verdict = judgeUsage(usage(0, 120, 120, { receivedAt: iso(60) }), lease(), [], skew5);

    expect(verdict).toMatchObject({ status: 'accepted', gpuMs: 65_000, to: at(T0, 65).getTime() });
  });

  it('rejects a record entirely outside the lease', () => {
    expect(judgeUsage(usage(700, 760, 60), ended(600), [], skew5)).toEqual({ status: 'rejected', reason: 'outside_lease' });
    expect(judgeUsage(usage(-120, -60, 60), lease(), [], skew5)).toEqual({ status: 'rejected', reason: 'outside_lease' });
  });

  it('caps GPU-seconds at the lease GPUs times the wall time', () => {
    expect(judgeUsage(usage(0, 60, 500), lease(), [], noSkew)).toMatchObject({ status: 'accepted', gpuMs: 120_000, clipped: ['exceeds_gpu_capacity'] });
  });

  it('waits while the lease is unknown or not started', () => {
    expect(judgeUsage(usage(0, 60, 60), undefined, [], skew5)).toEqual({ status: 'pending' });
    const { leaseStart: _, ...shell } = lease();
    expect(judgeUsage(usage(0, 60, 60), shell, [], skew5)).toEqual({ status: 'pending' });
  });

  it('rejects usage against a lease that ended without starting', () => {
    const { leaseStart: _, ...shell } = lease();
    expect(judgeUsage(usage(0, 60, 60), { ...shell, ended: true }, [], skew5)).toEqual({ status: 'rejected', reason: 'lease_never_started' });
  });

  it('refuses another host speaking for the assignment', () => {
    expect(judgeUsage(usage(0, 60, 60, { hostId: 'host_2' }), lease(), [], skew5)).toEqual({ status: 'rejected', reason: 'not_your_assignment' });
  });

  it('never bills time already covered by an accepted record, whatever its event id', () => {
    const covered = [{ from: at(T0, 0).getTime(), to: at(T0, 60).getTime() }];

    expect(judgeUsage(usage(0, 60, 60, { eventId: 'other' }), lease(), covered, noSkew)).toEqual({ status: 'rejected', reason: 'already_covered' });
    expect(judgeUsage(usage(30, 90, 60), lease(), covered, noSkew)).toMatchObject({ status: 'accepted', gpuMs: 30_000, clipped: ['already_covered'] });
  });
});

describe('judgeBatch', () => {
  it('judges records in time order so a batch cannot overlap itself', () => {
    const records = [usage(60, 120, 60), usage(0, 90, 90)];

    const { verdicts, coverage } = judgeBatch(records, lease(), [], noSkew);

    expect(verdicts.get(records[1]!)).toMatchObject({ status: 'accepted', gpuMs: 90_000 });
    expect(verdicts.get(records[0]!)).toMatchObject({ status: 'accepted', gpuMs: 30_000 });
    expect(coverage).toEqual([{ from: at(T0, 0).getTime(), to: at(T0, 120).getTime() }]);
  });
});

describe('coverage', () => {
  it('subtracts and merges segments', () => {
    expect(uncovered({ from: 0, to: 100 }, [{ from: 10, to: 20 }, { from: 50, to: 60 }])).toEqual([{ from: 0, to: 10 }, { from: 20, to: 50 }, { from: 60, to: 100 }]);
    expect(cover([{ from: 0, to: 10 }], [{ from: 10, to: 20 }, { from: 30, to: 40 }])).toEqual([{ from: 0, to: 20 }, { from: 30, to: 40 }]);
  });
});

describe('hourShares', () => {
  it('splits a record across the hours it spans, summing exactly', () => {
    const start = new Date('2025-03-10T10:59:00.000Z').getTime();
    const shares = hourShares([{ from: start, to: start + 120_000 }], 100_001);

    expect([...shares]).toEqual([['2025-03-10T10', 50_000], ['2025-03-10T11', 50_001]]);
  });
});
