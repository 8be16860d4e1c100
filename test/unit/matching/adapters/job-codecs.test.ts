import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toJob, toJobClaim, toTimelineEntry } from '#matching/adapters/job-codecs.ts';
import { jobItem } from '#matching/adapters/items.ts';
import { aFundedJob, aJob, aJobSpec, anAssignment } from '#test/support/matching-factories.ts';

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

describe('job item codec', () => {
  it('reads back the job it was written from, without the keys and work index', () => {
    const job = aFundedJob({ assignments: [anAssignment()], spec: aJobSpec({ env: { constructor: 'c', LR: '0.1' }, regions: ['eu-west'] }) });

    const read = toJob(jobItem(job));

    expect(read).toEqual(job);
    expect(read).not.toHaveProperty('workBucket');
    expect(read.spec).not.toHaveProperty('envPairs');
  });

  it('refuses a job item without the shape its readers rely on, naming the field', () => {
    const item = jobItem(aJob());

    expect(() => toJob({ ...item, status: 'lost' })).toThrow(/stored job item .*status/s);
    expect(() => toJob({ ...item, spec: { ...item.spec, gpu: {} } })).toThrow(/gpu/);
    expect(() => toJob({ ...item, holdAmount: 1.5 })).toThrow(/holdAmount/);
  });
});
