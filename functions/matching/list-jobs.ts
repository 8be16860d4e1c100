import { z } from 'zod';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { jobView } from '#matching/http-mappers.ts';
import { listJobs } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { pageQuery } from '#platform/pagination.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

const Query = z.object({ ...pageQuery, status: z.enum(['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'expired']).optional() });

export const handler = httpRoute(logger, { query: Query }, async ({ principal, query }) => {
  const page = await listJobs(accountOf(principal).accountId, query, deps);
  return json(200, { items: page.items.map(jobView), nextCursor: page.nextCursor });
});
