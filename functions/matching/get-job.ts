import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { jobView } from '#matching/http/mappers.ts';
import { JobPath } from '#matching/http/schemas.ts';
import { getOwnJob } from '#matching/use-cases/manage-jobs.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: JobPath }, async ({ principal, path }) =>
  json(200, jobView(await getOwnJob(accountOf(principal).accountId, path.jobId, deps))),
);
