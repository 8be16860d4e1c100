import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { ServicePath } from '#matching/http/services.ts';
import { endpointsEtag, endpointsView } from '#matching/http/service-mappers.ts';
import { getOwnService } from '#matching/use-cases/services.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

/** The ready endpoints, with an ETag: a client polling with If-None-Match gets a 304 until the set changes. */
export const handler = httpRoute(logger, { path: ServicePath }, async ({ principal, path, headers }) => {
  const service = await getOwnService(accountOf(principal).accountId, path.serviceId, deps);
  const etag = endpointsEtag(service);
  const cache = { etag, 'cache-control': 'no-cache' };
  const wanted = headers['if-none-match']?.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (wanted?.includes(etag) || wanted?.includes('*')) return { statusCode: 304, headers: cache };
  return { ...json(200, endpointsView(service)), headers: cache };
});
