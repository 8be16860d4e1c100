import { logger, makeRegistryDeps } from '#registry/adapters/deps.ts';
import { createRegistrationToken } from '#registry/use-cases/register-host.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = await makeRegistryDeps();

export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(201, await createRegistrationToken(accountOf(principal).accountId, deps)),
);
