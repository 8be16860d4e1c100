import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { hostView } from '#registry/http/mappers.ts';
import { HostPath } from '#registry/http/schemas.ts';
import { getHost } from '#registry/use-cases/manage-hosts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { path: HostPath }, async ({ principal, path }) =>
  json(200, hostView(await getHost(accountOf(principal).accountId, path.hostId, deps), deps.clock.now())),
);
