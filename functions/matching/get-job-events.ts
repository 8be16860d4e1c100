import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { JobPath, TimelineQuery } from '#matching/http/schemas.ts';
import { jobTimeline } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: JobPath, query: TimelineQuery }, async ({ principal, path, query }) =>
  json(200, await jobTimeline(accountOf(principal).accountId, path.jobId, query, deps)),
);
