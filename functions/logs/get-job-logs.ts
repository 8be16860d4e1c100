import { logger, makeLogsDeps } from '#logs/adapters/deps.ts';
import { decodeSince, logPageView } from '#logs/http/mappers.ts';
import { JobLogsQuery, JobPath } from '#logs/http/schemas.ts';
import { readLogs } from '#logs/use-cases/read-logs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeLogsDeps();

/** Renter: a page of the job's logs from `since`; follow by calling again with `nextSince` until `complete`. */
export const handler = httpRoute(logger, { query: JobLogsQuery, path: JobPath }, async ({ principal, query, path }) => {
  const { accountId } = accountOf(principal);
  const page = await readLogs(accountId, path.jobId, decodeSince(query.since), query.limit, deps);
  return json(200, logPageView(page));
});
