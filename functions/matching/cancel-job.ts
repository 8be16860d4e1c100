import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { JobPath } from '#matching/http/schemas.ts';
import { cancelJob } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: JobPath }, async ({ principal, path }) => {
  const job = await cancelJob(accountOf(principal).accountId, path.jobId, deps);
  return json(202, { jobId: job.jobId, status: job.status });
});
