import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { MatchingEnv, matchingConfig } from '#matching/config.ts';
import { submitJobInput } from '#matching/http/schemas.ts';
import { YamlTemplateCatalogue, templatesDir } from '#matching/adapters/yaml-template-catalogue.ts';
import { jobSpecOf } from '#matching/use-cases/job-spec.ts';
import { submitJob } from '#matching/use-cases/submit-job.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = { ...makeMatchingDeps(), templates: new YamlTemplateCatalogue(templatesDir()) };
const submitBody = submitJobInput(matchingConfig()[MatchingEnv.minMaxDurationSeconds]);

// The idempotency hash is of the body as sent (the middleware's): a generated token differs on each try.
export const handler = httpRoute(logger, { body: submitBody, idempotencyKey: true }, async ({ principal, body, idempotency }) => {
  const submitted = await submitJob(accountOf(principal).accountId, jobSpecOf(body, deps), idempotency, deps);
  logger.info('job submitted', { jobId: submitted.jobId });
  return json(202, submitted);
});
