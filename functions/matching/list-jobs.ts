import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { jobView } from '#matching/http/mappers.ts';
import { ListJobsQuery } from '#matching/http/schemas.ts';
import { listJobs } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { query: ListJobsQuery }, async ({ principal, query }) => {
  const page = await listJobs(accountOf(principal).accountId, query, deps);
  return json(200, { items: page.items.map(jobView), nextCursor: page.nextCursor });
});
