import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { RegisterAgentInput } from '#registry/http/schemas.ts';
import { registerHost } from '#registry/use-cases/register-host.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = await makeRegistryDeps();

/** Public route: the one-use registration token in the body is the credential. */
export const handler = httpRoute(logger, { body: RegisterAgentInput }, async ({ body }) => {
  const { registrationToken, agentToken, ...facts } = body;
  const registered = await registerHost({ registrationToken, ...(agentToken ? { agentToken } : {}) }, facts, deps);
  logger.info(registered.replayed ? 'host registration answered again' : 'host registered', { hostId: registered.hostId, gpus: facts.gpus.length });
  return json(201, { hostId: registered.hostId, agentToken: registered.agentToken, heartbeatIntervalSeconds: registered.heartbeatIntervalSeconds });
});
