import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { ServicePath, UpdateServiceInput } from '#matching/http/services.ts';
import { serviceView } from '#matching/http/service-mappers.ts';
import { serviceDetail, updateService } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: ServicePath, body: UpdateServiceInput }, async ({ principal, path, body }) => {
  const renterId = accountOf(principal).accountId;
  await updateService(renterId, path.serviceId, body, deps);
  logger.info('service updated', { serviceId: path.serviceId, replicas: body.replicas, rolled: body.image !== undefined || body.env !== undefined || body.command !== undefined });
  return json(202, serviceView(await serviceDetail(renterId, path.serviceId, deps)));
});
