import { z } from 'zod';
import { plainText } from '#platform/text.ts';
import { pageQuery } from '#platform/pagination.ts';
import { ACCOUNT_KINDS } from '../domain/account.ts';

export const CreateAccountInput = z.strictObject({
  kind: z.enum(ACCOUNT_KINDS),
  name: plainText().trim().min(1).max(200),
});

export const KeysQuery = z.object(pageQuery);

export const KeyPath = z.object({ keyId: z.string().min(1).max(64) });

export const AddSshKeyInput = z.strictObject({
  name: plainText().trim().min(1).max(100),
  publicKey: z.string().min(1).max(16 * 1024),
});

export const SshKeyPath = z.object({ keyId: z.string().min(1).max(64) });
