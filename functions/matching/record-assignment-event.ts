import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { AgentEventInput, AssignmentPath } from '#matching/http/schemas.ts';
import { recordAgentEvent } from '#matching/use-cases/agent-assignments.ts';
import { httpRoute, json } from '#platform/http.ts';
import { agentOf } from '#platform/principal.ts';

const deps = makeMatchingDeps();

/** The agent's `at` is kept in the log for the timeline; the lease uses the receipt time. */
export const handler = httpRoute(logger, { path: AssignmentPath, body: AgentEventInput }, async ({ principal, path, body }) => {
  const { hostId } = agentOf(principal);
  logger.appendKeys({ hostId, assignmentId: path.assignmentId });
  logger.info('agent event', { type: body.type, agentAt: body.at, exitCode: body.exitCode });
  return json(200, await recordAgentEvent(hostId, path.assignmentId, body, deps));
});
