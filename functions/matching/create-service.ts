import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { YamlTemplateCatalogue, templatesDir } from '#matching/adapters/yaml-template-catalogue.ts';
import { CreateServiceInput } from '#matching/http/services.ts';
import { createService } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = { ...makeMatchingDeps(), templates: new YamlTemplateCatalogue(templatesDir()) };

export const handler = httpRoute(logger, { body: CreateServiceInput, idempotencyKey: true }, async ({ principal, body, idempotency }) => {
  const created = await createService(accountOf(principal).accountId, body, idempotency, deps);
  logger.info('service created', { serviceId: created.serviceId, replicas: body.replicas });
  return json(202, created);
});
