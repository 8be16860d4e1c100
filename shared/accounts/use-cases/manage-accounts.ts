import { newEvent } from '#events/define.ts';
import { event as accountCreated } from '#events/accounts/account-created.ts';
import type { Clock } from '#platform/clock.ts';
import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { displayPrefix, hashSecret, newSecret } from '#platform/secrets.ts';
import type { Page } from '#platform/pagination.ts';
import { keyPrefixFor, type Account, type AccountKind, type ApiKey } from '../domain/account.ts';
import type { AccountStore } from '../ports.ts';

export interface AccountsDeps {
  readonly store: AccountStore;
  readonly clock: Clock;
}

export interface IssuedKey {
  readonly keyId: string;
  readonly apiKey: string;
}

const mintKey = (accountId: string, role: AccountKind, at: Date): { key: ApiKey; apiKey: string } => {
  const prefix = keyPrefixFor(role);
  const apiKey = newSecret(prefix);
  return {
    apiKey,
    key: {
      keyId: newId('key', at),
      accountId,
      role,
      prefix: displayPrefix(apiKey, prefix),
      secretHash: hashSecret(apiKey),
      createdAt: at.toISOString(),
    },
  };
};

/**
 * Creates an account and its first API key. Steps: mint the key (shown only in this
 * result, stored as a hash), write account + key + `account.created` in one transaction.
 */
export const createAccount = async (
  input: { kind: AccountKind; name: string },
  deps: AccountsDeps,
): Promise<Account & IssuedKey> => {
  const at = deps.clock.now();
  const account: Account = { accountId: newId('acct', at), kind: input.kind, name: input.name, createdAt: at.toISOString() };
  const { key, apiKey } = mintKey(account.accountId, account.kind, at);
  await deps.store.create(account, key, [newEvent(accountCreated, { accountId: account.accountId, kind: account.kind, name: account.name }, at)]);
  return { ...account, keyId: key.keyId, apiKey };
};

export const getAccount = async (accountId: string, deps: AccountsDeps): Promise<Account> => {
  const account = await deps.store.get(accountId);
  if (!account) throw new NotFoundError('No such account.');
  return account;
};

/** Issues another key for the caller's account, e.g. to rotate: issue, deploy, revoke the old. */
export const issueKey = async (accountId: string, deps: AccountsDeps): Promise<IssuedKey> => {
  const account = await getAccount(accountId, deps);
  const { key, apiKey } = mintKey(account.accountId, account.kind, deps.clock.now());
  await deps.store.addKey(key);
  return { keyId: key.keyId, apiKey };
};

export const listKeys = (accountId: string, page: { limit: number; cursor?: string }, deps: AccountsDeps): Promise<Page<ApiKey>> =>
  deps.store.listKeys(accountId, page.limit, page.cursor);

/**
 * Revokes one of the caller's keys. The last active key cannot be revoked: nobody could
 * then issue a new one, and the account would be lost to its owner.
 */
export const revokeKey = async (accountId: string, keyId: string, deps: AccountsDeps): Promise<void> => {
  const key = await deps.store.getKey(accountId, keyId);
  if (!key) throw new NotFoundError('No such key on this account.');
  if (key.revokedAt) return;
  const outcome = await deps.store.revokeKey(key, deps.clock.now());
  if (outcome === 'last_active_key') {
    throw new ConflictError('last_active_key', 'This is the account\'s last active key: issue another before revoking it.');
  }
};
