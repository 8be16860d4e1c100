import { logger, makeWebhookApiDeps } from '#notifications/adapters/deps.ts';
import { WebhookPath } from '#notifications/http/schemas.ts';
import { deleteWebhook } from '#notifications/use-cases/manage-webhooks.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeWebhookApiDeps();

/** 204; another account's endpoint, or an unknown one, is 404. */
export const handler = httpRoute(logger, { path: WebhookPath }, async ({ principal, path }) => {
  await deleteWebhook(accountOf(principal).accountId, path.webhookId, deps);
  logger.info('webhook deleted', { webhookId: path.webhookId });
  return json(204);
});
