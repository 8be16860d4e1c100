import { z } from 'zod';
import type { Wire } from './agent.ts';
import { plainText } from './text.ts';

/**
 * The wire contract of accounts, API keys and saved SSH keys (API.md, "Accounts"). Imports
 * nothing but zod and its siblings; the CLI takes the types with `import type` only (see ./jobs.ts).
 */

export const ACCOUNT_KINDS = ['renter', 'provider', 'finance'] as const;

/** An OpenSSH public key line is far shorter; the bound only stops a body from being one huge key. */
export const SSH_PUBLIC_KEY_MAX_CHARS = 16 * 1024;

/** POST /v1/accounts (admin). */
export const CreateAccountRequest = z.strictObject({
  kind: z.enum(ACCOUNT_KINDS),
  name: plainText().trim().min(1).max(200),
});
export type CreateAccountRequest = z.input<typeof CreateAccountRequest>;

/** POST /v1/ssh-keys: the key line as `ssh-keygen` writes it; the use case parses and checks it (ed25519, or RSA of at least 3072 bits). */
export const AddSshKeyRequest = z.strictObject({
  name: plainText().trim().min(1).max(100),
  publicKey: z.string().min(1).max(SSH_PUBLIC_KEY_MAX_CHARS),
});
export type AddSshKeyRequest = z.input<typeof AddSshKeyRequest>;

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

export type AccountResponse = Wire<z.output<typeof AccountResponse>>;
export type CreatedAccountResponse = Wire<z.output<typeof CreatedAccountResponse>>;
export type KeyResponse = Wire<z.output<typeof KeyResponse>>;
export type KeyPageResponse = Wire<z.output<typeof KeyPageResponse>>;
export type IssuedKeyResponse = Wire<z.output<typeof IssuedKeyResponse>>;
export type SshKeyResponse = Wire<z.output<typeof SshKeyResponse>>;
export type SshKeyPageResponse = Wire<z.output<typeof SshKeyPageResponse>>;
