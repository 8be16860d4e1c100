import { z } from 'zod';
import { ACCOUNT_KINDS } from '../domain/account.ts';

/** What the accounts routes answer, as `mappers.ts` builds it; the OpenAPI spec is generated from these. */
export const AccountResponse = z.object({
  accountId: z.string(),
  kind: z.enum(ACCOUNT_KINDS),
  name: z.string(),
  createdAt: z.iso.datetime(),
});

export const CreatedAccountResponse = AccountResponse.extend({
  apiKey: z.string().meta({ description: 'The secret key, shown only in this response.' }),
  keyId: z.string(),
});

export const KeyResponse = z.object({
  keyId: z.string(),
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});

export const KeyPageResponse = z.object({ items: z.array(KeyResponse), nextCursor: z.string().nullable() });

export const IssuedKeyResponse = z.object({
  keyId: z.string(),
  apiKey: z.string().meta({ description: 'The secret key, shown only in this response.' }),
});

export const SshKeyResponse = z.object({
  keyId: z.string(),
  name: z.string(),
  type: z.enum(['ssh-ed25519', 'ssh-rsa']),
  bits: z.int(),
  fingerprint: z.string().meta({ description: 'As ssh-keygen -lf prints it: SHA256:...' }),
  publicKey: z.string(),
  createdAt: z.iso.datetime(),
});

export const SshKeyPageResponse = z.object({ items: z.array(SshKeyResponse), nextCursor: z.null() });
