import { logger, makeWebhookApiDeps } from '#notifications/adapters/deps.ts';
import { deliveryView } from '#notifications/http/mappers.ts';
import { PageQuery, WebhookPath } from '#notifications/http/schemas.ts';
import { listDeliveries } from '#notifications/use-cases/manage-webhooks.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeWebhookApiDeps();

/** The endpoint's deliveries, newest first, each with its attempts and outcome. */
export const handler = httpRoute(logger, { path: WebhookPath, query: PageQuery }, async ({ principal, path, query }) => {
  const page = await listDeliveries(accountOf(principal).accountId, path.webhookId, query.limit, query.cursor, deps);
  return json(200, { items: page.items.map(deliveryView), nextCursor: page.nextCursor });
});
