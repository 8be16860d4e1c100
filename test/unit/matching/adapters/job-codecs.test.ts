import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toJobClaim, toTimelineEntry } from '#matching/adapters/job-codecs.ts';

describe('job item codecs', () => {
  it('read an Idempotency-Key claim, with or without its body hash', () => {
    expect(toJobClaim({ pk: 'IDEMPOTENCY#r1#k', sk: 'IDEMPOTENCY', jobId: 'job_1', bodyHash: 'h', ttl: 1 })).toEqual({ jobId: 'job_1', bodyHash: 'h' });
    expect(toJobClaim({ jobId: 'job_1' })).toEqual({ jobId: 'job_1' });
  });

  it('read a timeline entry without its keys, with data only where it has some', () => {
    const entry = { at: '2026-01-01T00:00:00.000Z', type: 'queued', message: 'Queued' };
    expect(toTimelineEntry({ pk: 'JOB#job_1', sk: 'EVENT#x#0000', ...entry })).toEqual(entry);
    expect(toTimelineEntry({ ...entry, data: { hostId: 'h1' } })).toEqual({ ...entry, data: { hostId: 'h1' } });
    expect(toTimelineEntry({ ...entry, data: null })).toEqual(entry);
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toJobClaim({ bodyHash: 'h' })).toThrow(MalformedItemError);
    expect(() => toJobClaim({ bodyHash: 'h' })).toThrow(/stored job idempotency key item .*jobId/s);
    expect(() => toTimelineEntry({ at: 'a', type: 't' })).toThrow(/stored timeline entry item .*message/s);
  });
});
