import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { SubmitJobInput } from '#matching/http-schemas.ts';
import { submitJob } from '#matching/use-cases/submit-job.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { body: SubmitJobInput, idempotencyKey: true }, async ({ principal, body, idempotency }) => {
  const submitted = await submitJob(accountOf(principal).accountId, body, idempotency, deps);
  logger.info('job submitted', { jobId: submitted.jobId });
  return json(202, submitted);
});
