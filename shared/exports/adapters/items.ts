/**
 * Items of the exports table (pk / sk):
 * - `EXPORT#<exportId>` / `EXPORT`: `exportId`, `kind`, `format`, `from`, `to`, `daily`,
 *   `requestedBy`, `requestedAt`, `runId`, `status`, `fileKey`, and once finished
 *   `finishedAt` with `result` (rows, totals and differences, integer µUSD) or `error`;
 *   `gsi1pk = EXPORTS` and `gsi1sk = <requestedAt>#<exportId>` list every export, newest
 *   first (finance asks for a few a day, the schedule two: one partition is plenty).
 * - `IDEMPOTENCY#<accountId>#<key>` / `IDEMPOTENCY`: a request's Idempotency-Key for a day:
 *   `exportId`, `bodyHash`, `ttl`.
 * - `OUTBOX#<eventId>` / `OUTBOX`: the transactional outbox (#platform/outbox.ts).
 */
export const exportKey = (exportId: string) => ({ pk: `EXPORT#${exportId}`, sk: 'EXPORT' });
export const idempotencyKey = (accountId: string, key: string) => ({ pk: `IDEMPOTENCY#${accountId}#${key}`, sk: 'IDEMPOTENCY' });
export const EXPORTS_LIST_PK = 'EXPORTS';
export const IDEMPOTENCY_SECONDS = 24 * 3600;
