import { z } from 'zod';
import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { ackAssignments } from '#registry/use-cases/host-queue-access.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

const AckInput = z.object({ receipts: z.array(z.string().min(1).max(8192)).min(1).max(100) });

export const handler = httpRoute(logger, { body: AckInput }, async ({ principal, body }) =>
  json(200, await ackAssignments(agentOf(principal).hostId, body.receipts, deps)),
);
