import { z } from 'zod';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { receiveAssignments } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

const Query = z.object({ waitSeconds: z.coerce.number().int().min(0).max(20).default(0) });

export const handler = httpRoute(logger, { query: Query }, async ({ principal, query }) =>
  json(200, await receiveAssignments(agentOf(principal).hostId, query.waitSeconds, deps)),
);
