import { logger, makeWebhookApiDeps } from '#notifications/adapters/deps.ts';
import type { WebhookRole } from '#notifications/domain/webhooks.ts';
import { createdWebhookView } from '#notifications/http/mappers.ts';
import { CreateWebhookInput } from '#notifications/http/schemas.ts';
import { createWebhook } from '#notifications/use-cases/manage-webhooks.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeWebhookApiDeps();

/** Renter or provider: 201 with the endpoint and its signing secret, shown only here. */
export const handler = httpRoute(logger, { body: CreateWebhookInput, idempotencyKey: true }, async ({ principal, body, idempotency }) => {
  const { accountId, role } = accountOf(principal);
  // The topology admits only renters and providers here.
  const webhook = await createWebhook(accountId, role as WebhookRole, body, idempotency, deps);
  logger.info('webhook created', { webhookId: webhook.webhookId, accountId, events: webhook.events });
  return json(201, createdWebhookView(webhook));
});
