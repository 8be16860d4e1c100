import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { fromGroupedRecord, groupedRecordValue, toAssignmentIdOf, toHourBucket, toLease, toStoredUsage, toSummary } from '#metering/adapters/codecs.ts';

const leaseItem = {
  pk: 'LEASE#as1', sk: 'LEASE', assignmentId: 'as1', jobId: 'j1', renterId: 'r1', providerId: 'p1', hostId: 'h1',
  gpuCount: 2, gpuModel: 'H100', pricePerGpuHour: 2_000_000, gsi1pk: 'HOST#h1', gsi1sk: 'j1#as1', updatedAt: 'u',
};

const received = { eventId: 'e1', assignmentId: 'as1', from: 'f', to: 't', gpuSeconds: 2, hostId: 'h1', receivedAt: 'r' };
const place = { assignmentId: 'as1', hostId: 'h1', eventId: 'e1' };
const summaryItem = {
  pk: 'LEASE#as1', sk: 'SUMMARY', assignmentId: 'as1', version: 3, coverage: [[0, 1000], [2000, 3000]],
  acceptedRecords: 2, clippedRecords: 1, rejectedRecords: 0, gpuMs: 1500, reportedGpuMs: 2000,
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

  it('read a stored usage record with only the verdict attributes it has, keys and index attributes left out', () => {
    expect(toStoredUsage({ pk: 'LEASE#as1', sk: 'USAGE#e1#h1', gsi1pk: 'PENDING#1', ...received, status: 'pending' })).toEqual({ ...received, status: 'pending' });
    const accepted = { ...received, gpuUtilization: 80, status: 'accepted', usageRecordId: 'u1', gpuMs: 2000, acceptedFrom: 'f', acceptedTo: 't', clipped: ['already_covered'], judgedAt: 'j' };
    expect(toStoredUsage(accepted)).toEqual(accepted);
    expect(toStoredUsage({ ...received, status: 'rejected', reason: 'outside_lease', judgedAt: 'j' })).toEqual({ ...received, status: 'rejected', reason: 'outside_lease', judgedAt: 'j' });
  });

  it('keep a judged record in its group as JSON text and a pending one as a map, and read either back', () => {
    const accepted = { ...received, status: 'accepted' as const, usageRecordId: 'u1', gpuMs: 2000, acceptedFrom: 'f', acceptedTo: 't', clipped: [], judgedAt: 'j' };
    const pending = { ...received, status: 'pending' as const };

    expect(typeof groupedRecordValue(accepted)).toBe('string');
    expect(groupedRecordValue(pending)).toEqual(pending);
    expect(fromGroupedRecord(groupedRecordValue(accepted), place)).toEqual(accepted);
    expect(fromGroupedRecord(groupedRecordValue(pending), place)).toEqual(pending);
    expect(() => fromGroupedRecord(JSON.stringify({ ...received, status: 'lost' }), place)).toThrow(/stored usage record item .*status/s);
  });

  it('leave out of a judged record\'s text what its place and its other fields say, and read every shape back whole', () => {
    const at = '2026-12-05T12:00:00.000Z';
    const base = { ...received, from: '2026-12-05T11:59:00.000Z', to: '2026-12-05T11:59:10.000Z', receivedAt: at };
    const plain = { ...base, status: 'accepted' as const, usageRecordId: 'u1', gpuMs: 10_000, acceptedFrom: base.from, acceptedTo: base.to, clipped: [], judgedAt: at };
    const text = groupedRecordValue(plain) as string;

    expect(JSON.parse(text)).toEqual({ from: base.from, to: base.to, gpuSeconds: 2, receivedAt: at, status: 'accepted', usageRecordId: 'u1', gpuMs: 10_000 });
    expect(text.length).toBeLessThan(JSON.stringify(plain).length / 2);
    const shapes = [
      plain,
      // Clipped, judged after waiting for its lease.
      { ...plain, gpuUtilization: 55, acceptedFrom: '2026-12-05T11:59:05.000Z', clipped: ['already_covered' as const], judgedAt: '2026-12-05T12:05:00.000Z' },
      // Lacking what an accepted record usually has: read back lacking it.
      { ...base, status: 'accepted' as const, usageRecordId: 'u1', gpuMs: 10_000 },
      { ...base, status: 'rejected' as const, reason: 'outside_lease' as const, judgedAt: at },
      { ...base, status: 'rejected' as const, reason: 'already_covered' as const, judgedAt: '2026-12-05T12:05:00.000Z' },
    ];
    for (const usage of shapes) expect(fromGroupedRecord(groupedRecordValue(usage), place)).toEqual(usage);
    // Text written before carries every field, and reads as written whatever the place.
    expect(fromGroupedRecord(JSON.stringify(plain), { assignmentId: 'other', hostId: 'other', eventId: 'other' })).toEqual(plain);
  });

  it('read a summary, its coverage pairs as segments', () => {
    expect(toSummary(summaryItem)).toEqual({
      assignmentId: 'as1', version: 3, coverage: [{ from: 0, to: 1000 }, { from: 2000, to: 3000 }],
      acceptedRecords: 2, clippedRecords: 1, rejectedRecords: 0, gpuMs: 1500, reportedGpuMs: 2000,
    });
    expect(toSummary({ ...summaryItem, lastOpenUsageAt: 'l' })).toMatchObject({ lastOpenUsageAt: 'l' });
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toStoredUsage({ ...received, status: 'lost' })).toThrow(/stored usage record item .*status/s);
    expect(() => toStoredUsage({ ...received, status: 'rejected', reason: 'bored' })).toThrow(/stored usage record item .*reason/s);
    expect(() => toStoredUsage({ ...received, hostId: undefined, status: 'pending' })).toThrow(/stored usage record item .*hostId/s);
    expect(() => toSummary({ ...summaryItem, coverage: [[0]] })).toThrow(/stored usage summary item .*coverage/s);
    expect(() => toSummary({ ...summaryItem, version: undefined })).toThrow(/stored usage summary item .*version/s);
    expect(() => toLease({ ...leaseItem, pricePerGpuHour: 0.5 })).toThrow(MalformedItemError);
    expect(() => toLease({ ...leaseItem, pricePerGpuHour: 0.5 })).toThrow(/stored lease item .*pricePerGpuHour/s);
    expect(() => toLease({ ...leaseItem, hostId: undefined })).toThrow(/stored lease item .*hostId/s);
    expect(() => toHourBucket({ hour: 'h', gpuMs: '10', records: 1 })).toThrow(/stored usage hour item .*gpuMs/s);
    expect(() => toAssignmentIdOf({ sk: 'LEASE#as1' })).toThrow(/stored assignment reference item .*assignmentId/s);
  });
});
