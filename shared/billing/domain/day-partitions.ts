/**
 * Where billing lists a day's charges and ledger entries for exports (issue 14): each day's
 * listing is spread over `DAY_SHARDS` index partitions, `<LISTING>#<yyyy-mm-dd>#<shard>`, by a
 * hash of the item's id, so that no single index partition takes every write of the day
 * (one partition takes at most 1,000 writes/s on AWS and cannot split on a monotonic sort
 * key). Readers query every shard of a day, and the unsharded `<LISTING>#<yyyy-mm-dd>` that
 * items written before sharding are under, and merge them by sort key. A contract between
 * billing (writer) and exports (reader).
 */
export const DAY_SHARDS = 8;

export type DayListing = 'CHARGES' | 'LEDGER';

/** FNV-1a of the id: stable across processes and releases. */
export const dayShardOf = (id: string): number => {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) hash = Math.imul(hash ^ id.charCodeAt(index), 0x01000193) >>> 0;
  return hash % DAY_SHARDS;
};

/** The partition an item posted at `at` (ISO) with this id is listed under. */
export const dayPartition = (listing: DayListing, at: string, id: string): string => `${listing}#${at.slice(0, 10)}#${dayShardOf(id)}`;

/** Every partition a day's listing may hold items under: the unsharded one of before, then each shard. */
export const dayPartitions = (listing: DayListing, day: string): readonly string[] => [
  `${listing}#${day}`,
  ...Array.from({ length: DAY_SHARDS }, (_, shard) => `${listing}#${day}#${shard}`),
];
