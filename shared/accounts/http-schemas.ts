import { z } from 'zod';
import { plainText } from '#platform/text.ts';
import { pageQuery } from '#platform/pagination.ts';
import { ACCOUNT_KINDS } from './domain/account.ts';

export const CreateAccountInput = z.strictObject({
  kind: z.enum(ACCOUNT_KINDS),
  name: plainText().trim().min(1).max(200),
});

export const KeysQuery = z.object(pageQuery);

export const KeyPath = z.object({ keyId: z.string().min(1).max(64) });
