import { createHash } from 'node:crypto';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { SubmitJobInput } from '#matching/http-schemas.ts';
import { YamlTemplateCatalogue, templatesDir } from '#matching/adapters/yaml-template-catalogue.ts';
import { jobSpecOf } from '#matching/use-cases/job-spec.ts';
import { submitJob } from '#matching/use-cases/submit-job.ts';
import { ValidationError } from '#platform/errors.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = { ...makeMatchingDeps(), templates: new YamlTemplateCatalogue(templatesDir()) };

const idempotencyOf = (headers: Readonly<Record<string, string | undefined>>, body: unknown) => {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return { key, bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
};

export const handler = httpRoute(logger, { body: SubmitJobInput }, async ({ principal, body, headers }) => {
  // The idempotency hash is of the body as sent: a generated token differs on each try.
  const submitted = await submitJob(accountOf(principal).accountId, jobSpecOf(body, deps), idempotencyOf(headers, body), deps);
  logger.info('job submitted', { jobId: submitted.jobId });
  return json(202, submitted);
});
