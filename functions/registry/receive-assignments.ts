import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { ReceiveAssignmentsQuery } from '#registry/http/schemas.ts';
import { receiveAssignments } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { query: ReceiveAssignmentsQuery }, async ({ principal, query }) =>
  json(200, await receiveAssignments(agentOf(principal).hostId, query.waitSeconds, deps)),
);
