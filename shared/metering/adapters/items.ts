/**
 * Items of the metering table (pk / sk):
 * - `LEASE#<assignmentId>` / `LEASE`: the lease as metering learned it from `assignment.*`
 *   (written at the start or end, not at `job.scheduled`: issue 14): `assignmentId`, `jobId`, `renterId`, `providerId`, `hostId`,
 *   `gpuCount`, `gpuModel`, `pricePerGpuHour` (µUSD), `leaseStart`, `leaseEnd`, `endReason`,
 *   `ended`, `updatedAt`; `gsi1pk = HOST#<hostId>`, `gsi1sk = <jobId>#<assignmentId>` list a
 *   host's assignments in `byType` (job ids sort by creation).
 * - `LEASE#<assignmentId>` / `SUMMARY`: `version`, `coverage` ([from, to] epoch-ms pairs the
 *   accepted records cover), `acceptedRecords`, `clippedRecords`, `rejectedRecords`, `gpuMs`,
 *   `reportedGpuMs`; `recordGroups: true` on a summary made since record groups, whose
 *   assignment therefore has no record stored alone (a write's key condition sees every copy).
 * - `LEASE#<assignmentId>` / `HOUR#<yyyy-mm-ddThh>`: the hourly aggregate (a read model):
 *   `gpuMs`, `records`, `utilizationGpuMs`, `weighedGpuMs`.
 * - `LEASE#<assignmentId>` / `PENDING#<eventId>#<hostId>`: a record waiting for its lease,
 *   with everything needed to judge it; deleted in the transaction that judges it.
 *   `gsi1pk = PENDING#<shard>`, `gsi1sk = <receivedAt>#<assignmentId>#<eventId>#<hostId>` let
 *   the pending sweep find records whose lease never arrived, oldest first, without a scan.
 * - `JOB#<jobId>` / `LEASE#<assignmentId>`: the job's leases (those started or ended), read consistently.
 * - `USAGE#<assignmentId>#<eventId>` / `HOST#<hostId>`: one usage record, forever (no TTL):
 *   the dedup key. Keyed by the sending host too, so a record sent for an assignment whose
 *   lease is not known yet can never take the key of its real host's record. `status`
 *   (`accepted` | `rejected` | `pending`), the record as reported, `receivedAt`, and once
 *   judged `usageRecordId`, `gpuMs`, `acceptedFrom`, `acceptedTo`, `clipped`, `reason`, `judgedAt`.
 *   Written before record groups (below); still read, and still written for a record that
 *   waited for its lease under such a key (its pointer has no `grouped`).
 * - `USAGES#<assignmentId>#<group>` / `HOST#<hostId>`: a record group, forever: the usage
 *   records of an assignment from one host whose event ids share a group
 *   (`recordGroupOf`), one attribute `rec#<eventId>` per record holding what the per-record
 *   item held (the dedup key is the attribute: each is set only if absent): as JSON text once
 *   judged, without what the key and the attribute's name say (`recordPlace`), as a map while
 *   pending (`groupedRecordValue` in codecs.ts). An agent numbers
 *   its records (`usage-000123`), so a group holds up to 10 consecutive records and a batch
 *   of 100 writes 10 or 11 items, not 100. A group whose records all arrive in one commit,
 *   none seen before (`isWholeGroup`), is written as one `Put` conditioned on the item being
 *   absent; any other group as an `UpdateItem` setting each record only if absent. A pending
 *   record's pointer then carries `grouped: true`.
 * - `OUTBOX#<eventId>` / `OUTBOX`: the transactional outbox (#platform/outbox.ts).
 */
export const leasePk = (assignmentId: string) => `LEASE#${assignmentId}`;
export const leaseKey = (assignmentId: string) => ({ pk: leasePk(assignmentId), sk: 'LEASE' });
export const summaryKey = (assignmentId: string) => ({ pk: leasePk(assignmentId), sk: 'SUMMARY' });
export const HOUR_PREFIX = 'HOUR#';
export const hourKey = (assignmentId: string, hour: string) => ({ pk: leasePk(assignmentId), sk: `${HOUR_PREFIX}${hour}` });
export const PENDING_PREFIX = 'PENDING#';
export const pendingKey = (assignmentId: string, eventId: string, hostId: string) => ({
  pk: leasePk(assignmentId),
  sk: `${PENDING_PREFIX}${eventId}#${hostId}`,
});
export const jobLeaseKey = (jobId: string, assignmentId: string) => ({ pk: `JOB#${jobId}`, sk: `LEASE#${assignmentId}` });
export const hostLeasesPk = (hostId: string) => `HOST#${hostId}`;
export const usageKey = (assignmentId: string, eventId: string, hostId: string) => ({
  pk: `USAGE#${assignmentId}#${eventId}`,
  sk: `HOST#${hostId}`,
});

export const PENDING_SHARDS = 4;
export const pendingShardPk = (shard: number) => `PENDING#${shard}`;
export const pendingShardOf = (assignmentId: string): number => {
  let hash = 0;
  for (const char of assignmentId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % PENDING_SHARDS;
};

/**
 * The group of an event id: without its last digit, marked `#`, when it ends in a digit (so
 * `usage-000123` is in the group of `usage-000120` to `usage-000129`), else the id itself. An
 * event id has no `#` (the API refuses it), so no id is a numbered group's name, and a group
 * holds at most 10 records (about 4 KB). Ten, not more: DynamoDB bills a write by the item's
 * whole size, and an agent reporting once a minute adds one record to its group at a time.
 */
export const recordGroupOf = (eventId: string): string => (/\d$/.test(eventId) ? `${eventId.slice(0, -1)}#` : eventId);
export const USAGE_GROUP_PREFIX = 'USAGES#';
export const usageGroupKey = (assignmentId: string, eventId: string, hostId: string) => ({
  pk: `${USAGE_GROUP_PREFIX}${assignmentId}#${recordGroupOf(eventId)}`,
  sk: `HOST#${hostId}`,
});
/** Record groups of numbered ids hold ten records: the id's last digit, 0 to 9. */
const GROUP_SIZE = 10;
/**
 * Whether `eventIds` (distinct, of one group) are every record their group can hold: all ten
 * of a numbered group, or the one record of an id that is its own group. Such a group's item
 * exists only if one of these records was stored before (an item is only ever created with a
 * record in it, and no record is ever removed), so one condition on the item's key says what
 * a condition per record says.
 */
export const isWholeGroup = (eventIds: readonly string[]): boolean => {
  const [first] = eventIds;
  if (first === undefined) return false;
  const group = recordGroupOf(first);
  if (group === first) return eventIds.length === 1;
  return eventIds.length === GROUP_SIZE && new Set(eventIds.filter((id) => recordGroupOf(id) === group)).size === GROUP_SIZE;
};
/** The attribute of a record group that holds one record. */
export const RECORD_ATTRIBUTE_PREFIX = 'rec#';
export const recordAttribute = (eventId: string): string => `${RECORD_ATTRIBUTE_PREFIX}${eventId}`;
/** A record's place from its group item's key and its attribute's name (`RecordPlace` in codecs.ts). */
export const recordPlace = (key: { readonly pk: unknown; readonly sk: unknown }, attribute: string): { assignmentId: string; hostId: string; eventId: string } => {
  const eventId = attribute.slice(RECORD_ATTRIBUTE_PREFIX.length);
  const pk = String(key.pk);
  return { assignmentId: pk.slice(USAGE_GROUP_PREFIX.length, pk.length - recordGroupOf(eventId).length - 1), hostId: String(key.sk).slice('HOST#'.length), eventId };
};
