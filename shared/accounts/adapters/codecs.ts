import { z } from 'zod';
import { itemDecoder } from '#platform/item-codec.ts';
import { ACCOUNT_KINDS, type Account, type ApiKey, type SavedSshKey } from '../domain/account.ts';

/** Codecs of the accounts table's items (their keys are in dynamo-account-store.ts). */

export const toSshKey = itemDecoder('ssh key', z.object({
  keyId: z.string(),
  accountId: z.string(),
  name: z.string(),
  type: z.string(),
  bits: z.number().int(),
  fingerprint: z.string(),
  publicKey: z.string(),
  createdAt: z.string(),
})) satisfies (item: Record<string, unknown>) => SavedSshKey;

export const toAccount = itemDecoder('account', z.object({
  accountId: z.string(),
  kind: z.enum(ACCOUNT_KINDS),
  name: z.string(),
  createdAt: z.string(),
})) satisfies (item: Record<string, unknown>) => Account;

export const toKey = itemDecoder('api key', z.object({
  keyId: z.string(),
  accountId: z.string(),
  role: z.enum(ACCOUNT_KINDS),
  prefix: z.string(),
  secretHash: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
  revokedAt: z.string().optional(),
}).transform((stored): ApiKey => {
  const key: { -readonly [K in keyof ApiKey]: ApiKey[K] } = {
    keyId: stored.keyId,
    accountId: stored.accountId,
    role: stored.role,
    prefix: stored.prefix,
    secretHash: stored.secretHash,
    createdAt: stored.createdAt,
  };
  if (stored.lastUsedAt) key.lastUsedAt = stored.lastUsedAt;
  if (stored.revokedAt) key.revokedAt = stored.revokedAt;
  return key;
}));
