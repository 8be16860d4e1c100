import { z } from 'zod';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { JobPath } from '#matching/http-schemas.ts';
import { jobTimeline } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { pageQuery } from '#platform/pagination.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: JobPath, query: z.object({ ...pageQuery, limit: pageQuery.limit.default(100) }) }, async ({ principal, path, query }) =>
  json(200, await jobTimeline(accountOf(principal).accountId, path.jobId, query, deps)),
);
