import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { HeartbeatInput } from '#registry/http/schemas.ts';
import { heartbeat } from '#registry/use-cases/agent-presence.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { body: HeartbeatInput }, async ({ principal, body, receivedAt }) =>
  json(200, await heartbeat(agentOf(principal).hostId, body, deps, receivedAt)),
);
