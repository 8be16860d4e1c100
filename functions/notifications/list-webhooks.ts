import { logger, makeWebhookApiDeps } from '#notifications/adapters/deps.ts';
import { webhookView } from '#notifications/http/mappers.ts';
import { PageQuery } from '#notifications/http/schemas.ts';
import { listWebhooks } from '#notifications/use-cases/manage-webhooks.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeWebhookApiDeps();

/** The caller's endpoints, without their secrets. */
export const handler = httpRoute(logger, { query: PageQuery }, async ({ principal, query }) => {
  const page = await listWebhooks(accountOf(principal).accountId, query.limit, query.cursor, deps);
  return json(200, { items: page.items.map(webhookView), nextCursor: page.nextCursor });
});
