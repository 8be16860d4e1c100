import { describe, expect, it } from 'vitest';
import { microUsd } from '#platform/money.ts';
import { effectiveLease, leaseState, mergeLease, type LeaseObservation } from '#metering/domain/lease.ts';
import { T0, at } from '#test/support/factories.ts';

const facts: LeaseObservation = {
  assignmentId: 'asg_1', jobId: 'job_1', renterId: 'acct_renter', providerId: 'acct_provider', hostId: 'host_1',
  gpuCount: 2, gpuModel: 'RTX 4090', pricePerGpuHour: microUsd(900_000), ended: false,
};
const started = { ...facts, leaseStart: T0.toISOString() };
const ended = { ...started, leaseEnd: at(T0, 600).toISOString(), endReason: 'exited', ended: true };

describe('mergeLease', () => {
  it('keeps the earliest billable end it heard, in any order (issue 13)', () => {
    const byMax = { ...started, billableUntil: at(T0, 95).toISOString() };
    const byStop = { ...facts, billableUntil: at(T0, 40).toISOString() };

    expect(mergeLease(mergeLease(undefined, byMax), byStop).billableUntil).toBe(at(T0, 40).toISOString());
    expect(mergeLease(mergeLease(undefined, byStop), byMax).billableUntil).toBe(at(T0, 40).toISOString());
    expect(mergeLease(mergeLease(undefined, byStop), ended).billableUntil).toBe(at(T0, 40).toISOString());
  });

  it('makes a shell from job.scheduled that is not started', () => {
    expect(leaseState(mergeLease(undefined, facts))).toBe('not_started');
  });

  it('opens on started and closes on ended', () => {
    const open = mergeLease(mergeLease(undefined, facts), started);
    const closed = mergeLease(open, ended);

    expect(leaseState(open)).toBe('open');
    expect(closed).toMatchObject({ leaseStart: T0.toISOString(), leaseEnd: at(T0, 600).toISOString(), endReason: 'exited', ended: true });
  });

  it('converges on the same lease whatever the order of the events', () => {
    const orders = [[facts, started, ended], [ended, started, facts], [started, ended, facts], [ended, facts, started]];

    const results = orders.map((order) => order.reduce<ReturnType<typeof mergeLease> | undefined>((lease, seen) => mergeLease(lease, seen), undefined));

    for (const result of results) expect(result).toEqual(results[0]);
    expect(leaseState(results[0]!)).toBe('ended');
  });

  it('keeps the first lease start seen and never reopens an ended lease', () => {
    const lease = mergeLease(mergeLease(ended, { ...started, leaseStart: at(T0, 5).toISOString() }), facts);

    expect(lease.leaseStart).toBe(T0.toISOString());
    expect(lease.ended).toBe(true);
  });

  it('ends a lease that never started with no start and no end', () => {
    const lease = mergeLease(undefined, { ...facts, endReason: 'not_accepted', ended: true });

    expect(leaseState(lease)).toBe('ended');
    expect(lease.leaseStart).toBeUndefined();
  });
});

describe('effectiveLease', () => {
  const base = { assignmentId: 'asg_1', jobId: 'job_1', renterId: 'r', providerId: 'p', hostId: 'h', gpuCount: 1, gpuModel: 'RTX 4090', pricePerGpuHour: 1 as never };
  const lost = { ...base, leaseStart: '2025-03-10T10:00:00.000Z', leaseEnd: '2025-03-10T10:01:00.000Z', endReason: 'host_lost', ended: true };

  it('moves a lost host\'s lease end to the last usage received while it was open, never earlier', () => {
    expect(effectiveLease(lost, '2025-03-10T10:02:00.000Z')?.leaseEnd).toBe('2025-03-10T10:02:00.000Z');
    expect(effectiveLease(lost, '2025-03-10T10:00:30.000Z')?.leaseEnd).toBe('2025-03-10T10:01:00.000Z');
  });

  it('leaves every other lease as it is', () => {
    expect(effectiveLease({ ...lost, endReason: 'exited' }, '2025-03-10T10:02:00.000Z')?.leaseEnd).toBe('2025-03-10T10:01:00.000Z');
    expect(effectiveLease({ ...base, leaseStart: lost.leaseStart, ended: false }, '2025-03-10T10:02:00.000Z')).toEqual({ ...base, leaseStart: lost.leaseStart, ended: false });
    expect(effectiveLease(undefined, '2025-03-10T10:02:00.000Z')).toBeUndefined();
  });
});
