import { describe, expect, it } from 'vitest';
import { DAY_SHARDS, dayPartition, dayPartitions, dayShardOf } from '#billing/domain/day-partitions.ts';

describe('day partitions of the charge and ledger listings', () => {
  it('puts an item under its day and a shard that depends on its id alone', () => {
    expect(dayPartition('CHARGES', '2025-03-10T23:59:59.999Z', 'uch_1')).toBe(`CHARGES#2025-03-10#${dayShardOf('uch_1')}`);
    expect(dayPartition('LEDGER', '2025-03-11T00:00:00.000Z', 'ent_1')).toBe(`LEDGER#2025-03-11#${dayShardOf('ent_1')}`);
    expect(dayShardOf('uch_1')).toBe(dayShardOf('uch_1'));
  });

  it('spreads ids over every shard, none taking much more than its share', () => {
    const counts = Array.from({ length: DAY_SHARDS }, () => 0);
    for (let n = 0; n < 8_000; n += 1) counts[dayShardOf(`uch_01m91t${n.toString(36).padStart(6, '0')}`)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1_200);
  });

  it('lists, for readers, the unsharded partition of before and every shard, each once', () => {
    const all = dayPartitions('CHARGES', '2025-03-10');
    expect(all[0]).toBe('CHARGES#2025-03-10');
    expect(new Set(all).size).toBe(DAY_SHARDS + 1);
    for (let n = 0; n < 100; n += 1) expect(all).toContain(dayPartition('CHARGES', '2025-03-10T12:00:00.000Z', `id_${n}`));
  });
});
