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
    [PlatformEnv.authorizerCacheSeconds]: z.coerce.number().min(0).max(3600).default(0),
  }),
);
const deps = {
  documents: documentClient(),
  accountsTable: config[tables.accounts.envVar],
  registryTable: config[tables.registry.envVar],
  adminKeySha256: config[PlatformEnv.adminKeySha256],
  now: () => new Date(),
  lastUsedWrites: new Map<string, number>(),
};

/**
 * Identities per Authorization header, for AUTHORIZER_CACHE_SECONDS: the cache API Gateway
 * would keep if it had an identity source (see GpuhiveApi). Bounded: a flood of made-up
 * headers empties it rather than growing it.
 */
const cacheMs = config[PlatformEnv.authorizerCacheSeconds] * 1000;
const MAX_IDENTITIES = 10_000;
const identities = new Map<string, { context: Record<string, string>; until: number }>();
const remember = (authorization: string, context: Record<string, string>) => {
  if (identities.size >= MAX_IDENTITIES) identities.clear();
  identities.set(authorization, { context, until: Date.now() + cacheMs });
};

/**
 * Identifies the caller and nothing more: every request is admitted, with the principal
 * (possibly anonymous) in the context; each route's middleware enforces its roles.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>> => {
  const authorization = event.headers?.authorization ?? event.headers?.Authorization;
  const cached = authorization ? identities.get(authorization) : undefined;
  if (cached && cached.until > Date.now()) return { isAuthorized: true, context: cached.context };
  const principal = await resolvePrincipal(authorization, deps);
  logger.debug('identified caller', { kind: principal.kind, requestId: event.requestContext.requestId });
  const context = principalToAuthorizerContext(principal);
  if (authorization && cacheMs > 0) remember(authorization, context);
  return { isAuthorized: true, context };
};
