import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { sshKeyView } from '#accounts/http/mappers.ts';
import { AddSshKeyInput } from '#accounts/http/schemas.ts';
import { addSshKey } from '#accounts/use-cases/ssh-keys.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

export const handler = httpRoute(logger, { body: AddSshKeyInput }, async ({ principal, body }) => {
  const key = await addSshKey(accountOf(principal).accountId, body, deps);
  logger.info('ssh key saved', { keyId: key.keyId, type: key.type, fingerprint: key.fingerprint });
  return json(201, sshKeyView(key));
});
