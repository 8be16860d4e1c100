import { logger, makeAccountsDeps } from '#accounts/adapters/deps.ts';
import { sshKeyView } from '#accounts/http/mappers.ts';
import { listSshKeys } from '#accounts/use-cases/ssh-keys.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeAccountsDeps();

/** At most MAX_SSH_KEYS per account: one page holds them all. */
export const handler = httpRoute(logger, {}, async ({ principal }) =>
  json(200, { items: (await listSshKeys(accountOf(principal).accountId, deps)).map(sshKeyView), nextCursor: null }),
);
