import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { ServicePath } from '#matching/http/services.ts';
import { serviceView } from '#matching/http/service-mappers.ts';
import { serviceDetail } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: ServicePath }, async ({ principal, path }) =>
  json(200, serviceView(await serviceDetail(accountOf(principal).accountId, path.serviceId, deps))),
);
