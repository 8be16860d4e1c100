import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addSeconds } from './clock.ts';
import { hashSecret, sameHash } from './secrets.ts';
import { ADMIN_ACCOUNT_ID, ANONYMOUS, SecretPrefix, type Principal } from './principal.ts';

/**
 * Resolves a bearer secret to a principal through the read-only ports ARCHITECTURE.md
 * grants the authorizer: accounts' key-hash index and registry's agent-token index. An
 * unknown or revoked secret is anonymous; the handler's middleware answers 401.
 */
export interface IdentityDeps {
  readonly documents: DynamoDBDocumentClient;
  readonly accountsTable: string;
  readonly registryTable: string;
  readonly adminKeySha256: string | undefined;
  readonly now: () => Date;
  /**
   * When this instance last stored each key's lastUsedAt (epoch ms by key id), so that a key
   * used again within the resolution skips the write its condition would refuse anyway: a
   * refused conditional write still costs a round trip and a write unit. Kept by the caller
   * (the authorizer, per instance); without it every use tries the write.
   */
  readonly lastUsedWrites?: Map<string, number>;
}

/** Bounds `lastUsedWrites`, as the authorizer bounds its identities: full, it is emptied rather than grown. */
const MAX_REMEMBERED_WRITES = 10_000;

const LAST_USED_RESOLUTION_SECONDS = 300;

export const bearerSecret = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
};

export const resolvePrincipal = async (authorization: string | undefined, deps: IdentityDeps): Promise<Principal> => {
  const secret = bearerSecret(authorization);
  if (!secret) return ANONYMOUS;
  const hash = hashSecret(secret);
  // The admin key may be any string the operator chose (GPUHIVE_ADMIN_KEY), so it is matched by hash.
  if (deps.adminKeySha256 && sameHash(hash, deps.adminKeySha256)) {
    return { kind: 'account', role: 'admin', accountId: ADMIN_ACCOUNT_ID, keyId: ADMIN_ACCOUNT_ID };
  }
  if (secret.startsWith(SecretPrefix.admin)) return ANONYMOUS;
  if (secret.startsWith(SecretPrefix.agent)) {
    const { Item } = await deps.documents.send(
      new GetCommand({ TableName: deps.registryTable, Key: { pk: `AGENTTOKEN#${hash}`, sk: 'AGENTTOKEN' } }),
    );
    if (!Item || Item.revokedAt) return ANONYMOUS;
    return { kind: 'agent', role: 'agent', hostId: Item.hostId as string, providerId: Item.providerId as string };
  }
  const { Item } = await deps.documents.send(
    new GetCommand({ TableName: deps.accountsTable, Key: { pk: `KEYHASH#${hash}`, sk: 'KEYHASH' } }),
  );
  if (!Item || Item.revokedAt) return ANONYMOUS;
  const principal: Principal = {
    kind: 'account',
    role: Item.role as 'renter' | 'provider' | 'finance',
    accountId: Item.accountId as string,
    keyId: Item.keyId as string,
  };
  await touchLastUsed(principal.accountId, principal.keyId, deps);
  return principal;
};

/** Records when a key was last used, at most every few minutes, so listing keys shows stale ones. */
const touchLastUsed = async (accountId: string, keyId: string, deps: IdentityDeps): Promise<void> => {
  const now = deps.now();
  const written = deps.lastUsedWrites?.get(keyId);
  // The condition below refuses a write until the resolution has passed since the last one.
  if (written !== undefined && now.getTime() - written <= LAST_USED_RESOLUTION_SECONDS * 1000) return;
  try {
    await deps.documents.send(
      new UpdateCommand({
        TableName: deps.accountsTable,
        Key: { pk: `ACCOUNT#${accountId}`, sk: `KEY#${keyId}` },
        UpdateExpression: 'SET lastUsedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :stale)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':stale': addSeconds(now, -LAST_USED_RESOLUTION_SECONDS).toISOString() },
      }),
    );
    if (deps.lastUsedWrites) {
      if (deps.lastUsedWrites.size >= MAX_REMEMBERED_WRITES) deps.lastUsedWrites.clear();
      deps.lastUsedWrites.set(keyId, now.getTime());
    }
  } catch (error) {
    // Recently touched already: the condition is the throttle, not a failure.
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
};
