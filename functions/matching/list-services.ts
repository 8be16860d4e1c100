import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { ListServicesQuery } from '#matching/http/services.ts';
import { serviceSummaryView } from '#matching/http/service-mappers.ts';
import { listServices } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { query: ListServicesQuery }, async ({ principal, query }) => {
  const page = await listServices(accountOf(principal).accountId, query, deps);
  return json(200, { items: page.items.map(serviceSummaryView), nextCursor: page.nextCursor });
});
