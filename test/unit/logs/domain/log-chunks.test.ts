import { describe, expect, it } from 'vitest';
import { chunkBytes, isComplete, isTooYoungToKnow, planAccept, planPage, START, type LogChunk, type SegmentEntry } from '#logs/domain/log-chunks.ts';
import { newId, timeOfId } from '#platform/ids.ts';

const chunk = (seq: number, data = `line ${seq}\n`): LogChunk => ({ seq, stream: 'stdout', at: '2026-11-25T10:00:00.000Z', data });
const fresh = { bytes: 0, truncated: false };

describe('planAccept', () => {
  it('takes new chunks in seq order, whatever order they came in', () => {
    const plan = planAccept([chunk(2), chunk(0), chunk(1)], new Set(), fresh, 1000);
    expect(plan.accept.map((c) => c.seq)).toEqual([0, 1, 2]);
  });

  it('counts stored seqs and repeats within the batch as duplicates', () => {
    const plan = planAccept([chunk(0), chunk(1), chunk(1), chunk(2)], new Set([0]), fresh, 1000);
    expect({ seqs: plan.accept.map((c) => c.seq), duplicates: plan.duplicates }).toEqual({ seqs: [1, 2], duplicates: 2 });
  });

  it('fills up to the cap exactly, then drops the rest and truncates', () => {
    const plan = planAccept([chunk(0, 'aaaa'), chunk(1, 'bbbb'), chunk(2, 'c')], new Set(), { bytes: 2, truncated: false }, 10);
    expect(plan).toMatchObject({ bytes: 10, dropped: 1, truncated: true });
    expect(plan.accept.map((c) => c.seq)).toEqual([0, 1]);
  });

  it('keeps a truncated log a prefix: a small chunk after a dropped one is dropped too', () => {
    const plan = planAccept([chunk(0, 'x'.repeat(8)), chunk(1, 'y')], new Set(), fresh, 5);
    expect({ accepted: plan.accept.length, dropped: plan.dropped }).toEqual({ accepted: 0, dropped: 2 });
  });

  it('drops everything once the job is truncated', () => {
    const plan = planAccept([chunk(7, 'z')], new Set(), { bytes: 1, truncated: true }, 1000);
    expect({ accepted: plan.accept.length, dropped: plan.dropped, truncated: plan.truncated }).toEqual({ accepted: 0, dropped: 1, truncated: true });
  });

  it('measures chunks in UTF-8 bytes, not characters', () => {
    expect(chunkBytes({ data: 'é€😀' })).toBe(2 + 3 + 4);
  });
});

const segment = (index: number, sizes: number[]): SegmentEntry => ({ index, assignmentId: 'a', rank: 0, key: `k${index}`, chunkBytes: sizes });

describe('planPage', () => {
  const segments = [segment(0, [10, 10, 10]), segment(1, [10]), segment(2, [10, 10])];

  it('reads across segments up to the limit and says where to go on', () => {
    const plan = planPage(segments, START, 4, 1_000_000);
    expect({ reads: plan.reads.map((r) => [r.segment.index, r.from, r.to]), next: plan.next, more: plan.more }).toEqual({
      reads: [[0, 0, 3], [1, 0, 1]],
      next: { segment: 2, offset: 0 },
      more: true,
    });
  });

  it('resumes in the middle of a segment', () => {
    const plan = planPage(segments, { segment: 0, offset: 2 }, 100, 1_000_000);
    expect({ reads: plan.reads.map((r) => [r.segment.index, r.from, r.to]), next: plan.next, more: plan.more }).toEqual({
      reads: [[0, 2, 3], [1, 0, 1], [2, 0, 2]],
      next: { segment: 3, offset: 0 },
      more: false,
    });
  });

  it('stops at the byte budget, but always returns one chunk', () => {
    const big = [segment(0, [500, 500])];
    expect(planPage(big, START, 100, 100).reads.map((r) => [r.from, r.to])).toEqual([[0, 1]]);
  });

  it('stays where it is when nothing is new', () => {
    expect(planPage([], { segment: 3, offset: 0 }, 10, 100)).toEqual({ reads: [], next: { segment: 3, offset: 0 }, more: false });
  });
});

describe('isComplete', () => {
  const now = new Date('2026-11-25T10:00:30.000Z');
  it.each([
    [undefined, undefined, false, false],
    ['2026-11-25T10:00:25.000Z', undefined, false, false],
    ['2026-11-25T10:00:00.000Z', undefined, true, false],
    ['2026-11-25T10:00:00.000Z', undefined, false, true],
    ['2026-11-25T10:00:00.000Z', '2026-11-25T10:00:01.000Z', false, true],
    ['2026-11-25T10:00:00.000Z', '2026-11-25T10:00:25.000Z', false, false],
  ])('ended at %s, heard of at %s, with more=%s: %s (10 s grace)', (endedAt, endKnownAt, more, expected) => {
    expect(isComplete({ endedAt, endKnownAt }, more, now, 10)).toBe(expected);
  });
});

describe('an unknown assignment\'s age', () => {
  it('reads the time of an id and of an assignment id built on a job id', () => {
    const at = new Date('2026-11-25T10:00:00.000Z');
    const jobId = newId('job', at);
    expect([timeOfId(jobId), timeOfId(`${jobId}.a1.r0`), timeOfId('asg_nothing')]).toEqual([at, at, undefined]);
  });

  it('is too young to know within the grace, and not after it', () => {
    const now = new Date('2026-11-25T10:15:00.000Z');
    expect([
      isTooYoungToKnow(new Date('2026-11-25T10:14:00.000Z'), now, 900),
      isTooYoungToKnow(new Date('2026-11-25T09:59:00.000Z'), now, 900),
      isTooYoungToKnow(undefined, now, 900),
      isTooYoungToKnow(new Date('2027-01-01T00:00:00.000Z'), now, 900),
    ]).toEqual([true, false, false, false]);
  });
});
