import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { hostView } from '#registry/http/mappers.ts';
import { HostPath, UpdateHostInput } from '#registry/http/schemas.ts';
import { updateHost } from '#registry/use-cases/manage-hosts.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { body: UpdateHostInput, path: HostPath }, async ({ principal, path, body }) =>
  json(200, hostView(await updateHost(accountOf(principal).accountId, path.hostId, body, deps), deps.clock.now())),
);
