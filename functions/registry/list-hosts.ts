import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { hostView } from '#registry/http/mappers.ts';
import { HostsQuery } from '#registry/http/schemas.ts';
import { listHosts } from '#registry/use-cases/manage-hosts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { query: HostsQuery }, async ({ principal, query }) => {
  const page = await listHosts(accountOf(principal).accountId, query, deps);
  const now = deps.clock.now();
  return json(200, { items: page.items.map((host) => hostView(host, now)), nextCursor: page.nextCursor });
});
