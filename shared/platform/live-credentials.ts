import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients.ts';
import { UnauthorizedError } from './errors.ts';
import { bearerSecret } from './identity.ts';
import { tables } from '#infra/topology.ts';
import type { Principal } from './principal.ts';
import { hashSecret } from './secrets.ts';

/**
 * The authorizer's identity is cached (60 s on AWS), so a key revoked a moment ago still
 * arrives as a principal. Routes that mint or reveal credentials must not let it mint a
 * successor that outlives the revocation: they look the caller's secret up again, through
 * the same read-only ports the authorizer uses (accounts' key-hash item, registry's
 * agent-token item), and refuse it with 401 if it is revoked or now means someone else.
 */
export interface LiveCredentialDeps {
  readonly documents: DynamoDBDocumentClient;
  /** Needed where account keys call (the function's topology entry reads or owns `accounts`). */
  readonly accountsTable?: string;
  /** Needed where agent tokens call. */
  readonly registryTable?: string;
}

export const liveCredentialDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): LiveCredentialDeps => ({
  documents: documentClient(),
  ...(env[tables.accounts.envVar] ? { accountsTable: env[tables.accounts.envVar] } : {}),
  ...(env[tables.registry.envVar] ? { registryTable: env[tables.registry.envVar] } : {}),
});

const tableOrFail = (table: string | undefined, what: string): string => {
  if (!table) throw new Error(`This function cannot re-check ${what}: its topology entry does not read that table`);
  return table;
};

export const requireLiveCredential = async (
  authorization: string | undefined,
  principal: Principal,
  deps: LiveCredentialDeps,
): Promise<void> => {
  if (principal.kind === 'anonymous') throw new UnauthorizedError();
  // The admin key is configuration (GPUHIVE_ADMIN_KEY), not a revocable item.
  if (principal.kind === 'account' && principal.role === 'admin') return;
  const secret = bearerSecret(authorization);
  if (!secret) throw new UnauthorizedError();
  const hash = hashSecret(secret);
  if (principal.kind === 'agent') {
    const { Item } = await deps.documents.send(
      new GetCommand({ TableName: tableOrFail(deps.registryTable, 'agent tokens'), Key: { pk: `AGENTTOKEN#${hash}`, sk: 'AGENTTOKEN' }, ConsistentRead: true }),
    );
    if (!Item || Item.revokedAt || Item.hostId !== principal.hostId) throw new UnauthorizedError('This agent token has been revoked.');
    return;
  }
  const { Item } = await deps.documents.send(
    new GetCommand({ TableName: tableOrFail(deps.accountsTable, 'API keys'), Key: { pk: `KEYHASH#${hash}`, sk: 'KEYHASH' }, ConsistentRead: true }),
  );
  if (!Item || Item.revokedAt || Item.keyId !== principal.keyId || Item.accountId !== principal.accountId) {
    throw new UnauthorizedError('This API key has been revoked.');
  }
};
