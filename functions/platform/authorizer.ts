import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { z } from 'zod';
import { documentClient } from '#platform/aws-clients.ts';
import { PlatformEnv, parseEnv } from '#platform/config.ts';
import { resolvePrincipal } from '#platform/identity.ts';
import { createLogger } from '#platform/logger.ts';
import { principalToAuthorizerContext } from '#platform/principal.ts';
import { tables } from '#infra/topology.ts';

const logger = createLogger('authorizer');
const config = parseEnv(
  z.object({
    [tables.accounts.envVar]: z.string().min(1),
    [tables.registry.envVar]: z.string().min(1),
    [PlatformEnv.adminKeySha256]: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  }),
);
const deps = {
  documents: documentClient(),
  accountsTable: config[tables.accounts.envVar],
  registryTable: config[tables.registry.envVar],
  adminKeySha256: config[PlatformEnv.adminKeySha256],
  now: () => new Date(),
};

/**
 * Identifies the caller and nothing more: every request is admitted, with the principal
 * (possibly anonymous) in the context; each route's middleware enforces its roles.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>> => {
  const principal = await resolvePrincipal(event.headers?.authorization ?? event.headers?.Authorization, deps);
  logger.debug('identified caller', { kind: principal.kind, requestId: event.requestContext.requestId });
  return { isAuthorized: true, context: principalToAuthorizerContext(principal) };
};
