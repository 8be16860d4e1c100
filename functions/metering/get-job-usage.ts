import { logger, makeMeteringDeps } from '#metering/adapters/deps.ts';
import { jobUsageView } from '#metering/http/mappers.ts';
import { JobPath } from '#metering/http/schemas.ts';
import { getJobUsage } from '#metering/use-cases/read-usage.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMeteringDeps();

/** Renter: per-assignment totals and hourly buckets, with counts of clipped, rejected and waiting records. */
export const handler = httpRoute(logger, { path: JobPath }, async ({ principal, path }) =>
  json(200, jobUsageView(path.jobId, await getJobUsage(accountOf(principal).accountId, path.jobId, deps))),
);
