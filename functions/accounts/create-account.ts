import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { accountView } from '#accounts/http/mappers.ts';
import { CreateAccountInput } from '#accounts/http/schemas.ts';
import { createAccount } from '#accounts/use-cases/manage-accounts.ts';
import { httpRoute, json } from '#platform/http.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, { body: CreateAccountInput }, async ({ body }) => {
  const created = await createAccount(body, deps);
  return json(201, { ...accountView(created), apiKey: created.apiKey, keyId: created.keyId });
});
