import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { AssignmentPath } from '#matching/http/schemas.ts';
import { getAssignment } from '#matching/use-cases/agent-assignments.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

export const handler = httpRoute(logger, { path: AssignmentPath }, async ({ principal, path }) =>
  json(200, await getAssignment(agentOf(principal).hostId, path.assignmentId, deps)),
);
