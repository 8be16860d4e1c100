import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toAssignmentIdOf, toHourBucket, toLease } from '#metering/adapters/codecs.ts';

const leaseItem = {
  pk: 'LEASE#as1', sk: 'LEASE', assignmentId: 'as1', jobId: 'j1', renterId: 'r1', providerId: 'p1', hostId: 'h1',
  gpuCount: 2, gpuModel: 'H100', pricePerGpuHour: 2_000_000, gsi1pk: 'HOST#h1', gsi1sk: 'j1#as1', updatedAt: 'u',
};

describe('metering item codecs', () => {
  it('read a lease, not ended until it says so, with only the times it has', () => {
    expect(toLease(leaseItem)).toEqual({
      assignmentId: 'as1', jobId: 'j1', renterId: 'r1', providerId: 'p1', hostId: 'h1', gpuCount: 2, gpuModel: 'H100', pricePerGpuHour: 2_000_000, ended: false,
    });
    expect(toLease({ ...leaseItem, leaseStart: 's', billableUntil: 'b', ended: true })).toMatchObject({ leaseStart: 's', billableUntil: 'b', ended: true });
  });

  it('read an hour written before the weighed figures were kept as zero weighed', () => {
    expect(toHourBucket({ sk: 'HOUR#2026-01-01T00', hour: '2026-01-01T00', gpuMs: 10, records: 1 })).toEqual({ hour: '2026-01-01T00', gpuMs: 10, records: 1, utilizationGpuMs: 0, weighedGpuMs: 0 });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toLease({ ...leaseItem, pricePerGpuHour: 0.5 })).toThrow(MalformedItemError);
    expect(() => toLease({ ...leaseItem, pricePerGpuHour: 0.5 })).toThrow(/stored lease item .*pricePerGpuHour/s);
    expect(() => toLease({ ...leaseItem, hostId: undefined })).toThrow(/stored lease item .*hostId/s);
    expect(() => toHourBucket({ hour: 'h', gpuMs: '10', records: 1 })).toThrow(/stored usage hour item .*gpuMs/s);
    expect(() => toAssignmentIdOf({ sk: 'LEASE#as1' })).toThrow(/stored assignment reference item .*assignmentId/s);
  });
});
