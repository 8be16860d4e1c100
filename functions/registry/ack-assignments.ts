import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { AckAssignmentsInput } from '#registry/http/schemas.ts';
import { ackAssignments } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, { body: AckAssignmentsInput }, async ({ principal, body }) =>
  json(200, await ackAssignments(agentOf(principal).hostId, body.receipts, deps)),
);
