import { describe, expect, it } from 'vitest';
import { commitItems } from '#metering/adapters/dynamo-usage-store.ts';
import { isWholeGroup, recordAttribute, recordGroupOf, recordPlace, usageGroupKey } from '#metering/adapters/items.ts';
import type { UsagePlan } from '#metering/ports.ts';

const planned = (eventId: string, extra: Partial<UsagePlan['records'][number]> = {}): UsagePlan['records'][number] => ({
  eventId, assignmentId: 'asg_1', hostId: 'host_1', from: '2025-03-10T10:00:00.000Z', to: '2025-03-10T10:01:00.000Z', gpuSeconds: 60,
  receivedAt: '2025-03-10T10:01:00.000Z', status: 'accepted', previous: 'none', ...extra,
});
const plan = (records: UsagePlan['records']): UsagePlan => ({ records, summaries: [], hours: [], events: [] });

describe('record groups', () => {
  it('puts an agent\'s numbered records in groups of 10 and any other id in a group of its own', () => {
    expect(recordGroupOf('usage-000120')).toBe('usage-00012#');
    expect(recordGroupOf('usage-000129')).toBe('usage-00012#');
    expect(recordGroupOf('usage-000130')).toBe('usage-00013#');
    expect(recordGroupOf('e7')).toBe('e#');
    expect(recordGroupOf('x-1a')).toBe('x-1a');
    expect(usageGroupKey('asg_1', 'usage-000123', 'host_1')).toEqual({ pk: 'USAGES#asg_1#usage-00012#', sk: 'HOST#host_1' });
  });

  it('reads a record\'s assignment, host and event id back from its group\'s key and its attribute\'s name', () => {
    for (const [assignmentId, eventId, hostId] of [['asg_1', 'usage-000123', 'host_1'], ['job_x.a1.r0', 'x-1a', 'host_2'], ['asg_2', 'e7', 'host_3']] as const) {
      expect(recordPlace(usageGroupKey(assignmentId, eventId, hostId), recordAttribute(eventId))).toEqual({ assignmentId, hostId, eventId });
    }
  });

  it('counts one item per group a commit writes, and for a waiting record its pointer and, stored alone, its own item', () => {
    const numbered = Array.from({ length: 100 }, (_, index) => planned(`usage-${String(150 + index).padStart(6, '0')}`));

    expect(commitItems(plan(numbered))).toBe(10);
    expect(commitItems(plan([planned('a'), planned('b')]))).toBe(2);
    expect(commitItems(plan([planned('usage-000001', { status: 'pending' })]))).toBe(2);
    expect(commitItems(plan([planned('usage-000001', { previous: 'pending' })]))).toBe(2);
    expect(commitItems(plan([planned('usage-000001', { previous: 'pending', storedAlone: true })]))).toBe(2);
    expect(commitItems(plan([planned('usage-000001', { previous: 'pending' }), planned('usage-000002')]))).toBe(2);
  });

  it('calls a group whole only when it brings every record the group can hold', () => {
    const ids = (from: number, count: number) => Array.from({ length: count }, (_, index) => `usage-${String(from + index).padStart(6, '0')}`);

    expect(isWholeGroup(ids(120, 10))).toBe(true);
    expect(isWholeGroup([...ids(120, 10)].reverse())).toBe(true);
    expect(isWholeGroup(ids(120, 9))).toBe(false);
    expect(isWholeGroup(ids(125, 10))).toBe(false); // 125-134: two groups, neither whole
    expect(isWholeGroup([...ids(120, 9), 'usage-000120'])).toBe(false); // a repeat is not the tenth record
    expect(isWholeGroup(['x-1a'])).toBe(true); // an id that is its own group
    expect(isWholeGroup(['usage-000120'])).toBe(false);
    expect(isWholeGroup([])).toBe(false);
  });
});
