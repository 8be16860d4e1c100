import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { ServicePath } from '#matching/http/services.ts';
import { serviceView } from '#matching/http/service-mappers.ts';
import { serviceDetail, stopService } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: ServicePath }, async ({ principal, path }) => {
  const renterId = accountOf(principal).accountId;
  await stopService(renterId, path.serviceId, deps);
  return json(202, serviceView(await serviceDetail(renterId, path.serviceId, deps)));
});
