import { describe, expect, it } from 'vitest';
import { usageDue, usageEventId, usageRecord } from '#agent/usage/meter.ts';

describe('usageRecord', () => {
  const from = new Date('2026-11-25T10:00:00.000Z');

  it('counts GPUs times wall time for the interval', () => {
    expect(usageRecord({ assignmentId: 'a-1', seq: 0, gpuCount: 2, from, to: new Date('2026-11-25T10:01:00.500Z') })).toEqual({
      eventId: 'usage-000000', assignmentId: 'a-1', from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T10:01:00.500Z', gpuSeconds: 121,
    });
  });

  it('gives the same eventId to the same record number, so a resend after a crash is one record', () => {
    const first = usageRecord({ assignmentId: 'a-1', seq: 4, gpuCount: 1, from, to: new Date('2026-11-25T10:01:00Z') });
    const again = usageRecord({ assignmentId: 'a-1', seq: 4, gpuCount: 1, from, to: new Date('2026-11-25T10:01:00Z') });

    expect(first?.eventId).toBe(again?.eventId);
    expect(usageEventId(4)).not.toBe(usageEventId(5));
  });

  it('attaches the mean GPU utilization when nvidia-smi gave one', () => {
    expect(usageRecord({ assignmentId: 'a-1', seq: 1, gpuCount: 2, from, to: new Date('2026-11-25T10:00:10Z'), utilization: [90, 71] })?.gpuUtilization).toBe(80.5);
  });

  it('makes no record for an empty interval', () => {
    expect(usageRecord({ assignmentId: 'a-1', seq: 1, gpuCount: 1, from, to: from })).toBeUndefined();
  });

  it('is due once the interval has passed', () => {
    expect(usageDue(from, new Date('2026-11-25T10:00:59.999Z'), 60_000)).toBe(false);
    expect(usageDue(from, new Date('2026-11-25T10:01:00.000Z'), 60_000)).toBe(true);
  });
});
