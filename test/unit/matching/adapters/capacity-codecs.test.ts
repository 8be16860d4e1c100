import { describe, expect, it } from 'vitest';
import { toCapacity } from '#matching/adapters/capacity-codecs.ts';
import { capacityItem } from '#matching/adapters/items.ts';
import { MalformedItemError } from '#platform/item-codec.ts';
import { aCapacity } from '#test/support/matching-factories.ts';

const writtenAt = new Date('2026-01-01T00:00:00.000Z');

describe('capacity item codec', () => {
  it('reads back the capacity it was written from, without the keys', () => {
    const capacity = aCapacity({
      live: { asg_1: { jobId: 'job_1', gpuIndices: [0], hostPorts: [40_000], interruptible: { bidPerGpuHour: 100, since: 'x' } } },
      portRange: { from: 40_000, to: 40_099 },
      maintenanceWindows: [{ windowId: 'w1', startsAt: 'a', endsAt: 'b', category: 'gpu' }],
      verification: { state: 'verified', score: 90 },
    });

    const read = toCapacity(capacityItem(capacity, writtenAt));

    expect(read).toEqual(capacity);
    expect(read).not.toHaveProperty('gsi1pk');
  });

  it('refuses an item without the shape placement relies on, naming the field', () => {
    const item = capacityItem(aCapacity(), writtenAt);

    expect(() => toCapacity({ ...item, status: 'gone' })).toThrow(MalformedItemError);
    expect(() => toCapacity({ ...item, gpus: [{ index: '0', model: 'RTX 4090', vramMb: 1 }] })).toThrow(/stored host capacity item .*gpus/s);
    expect(() => toCapacity({ ...item, live: { asg_1: { jobId: 'job_1' } } })).toThrow(/gpuIndices/);
  });
});
