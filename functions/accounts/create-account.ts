import { z } from 'zod';
import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { ACCOUNT_KINDS } from '#accounts/domain/account.ts';
import { accountView } from '#accounts/http-mappers.ts';
import { createAccount } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeAccountsDeps();

export const CreateAccountInput = z.strictObject({
  kind: z.enum(ACCOUNT_KINDS),
  name: z.string().trim().min(1).max(200),
});

export const handler = httpRoute(logger, { body: CreateAccountInput }, async ({ body }) => {
  const created = await createAccount(body, deps);
  return json(201, { ...accountView(created), apiKey: created.apiKey, keyId: created.keyId });
});
