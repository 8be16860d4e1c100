import type { Account, ApiKey, SavedSshKey } from '../domain/account.ts';

export const accountView = (account: Account) => ({
  accountId: account.accountId,
  kind: account.kind,
  name: account.name,
  createdAt: account.createdAt,
});

export const keyView = (key: ApiKey) => ({
  keyId: key.keyId,
  prefix: key.prefix,
  createdAt: key.createdAt,
  lastUsedAt: key.lastUsedAt ?? null,
  revokedAt: key.revokedAt ?? null,
});

export const sshKeyView = (key: SavedSshKey) => ({
  keyId: key.keyId,
  name: key.name,
  type: key.type,
  bits: key.bits,
  fingerprint: key.fingerprint,
  publicKey: key.publicKey,
  createdAt: key.createdAt,
});
