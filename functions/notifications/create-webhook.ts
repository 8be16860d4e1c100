import { createHash } from 'node:crypto';
import { logger, makeWebhookApiDeps } from '#notifications/adapters/deps.ts';
import type { WebhookRole } from '#notifications/domain/webhooks.ts';
import { createdWebhookView } from '#notifications/http-mappers.ts';
import { CreateWebhookInput } from '#notifications/http-schemas.ts';
import { createWebhook } from '#notifications/use-cases/manage-webhooks.ts';
import { ValidationError } from '#platform/errors.ts';
import { httpRoute, json } from '#platform/http.ts';
import { accountOf } from '#platform/principal.ts';

const deps = makeWebhookApiDeps();

const idempotencyOf = (headers: Readonly<Record<string, string | undefined>>, body: unknown) => {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  return { key, bodyHash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
};

/** Renter or provider: 201 with the endpoint and its signing secret, shown only here. */
export const handler = httpRoute(logger, { body: CreateWebhookInput }, async ({ principal, body, headers }) => {
  const { accountId, role } = accountOf(principal);
  // The topology admits only renters and providers here.
  const webhook = await createWebhook(accountId, role as WebhookRole, body, idempotencyOf(headers, body), deps);
  logger.info('webhook created', { webhookId: webhook.webhookId, accountId, events: webhook.events });
  return json(201, createdWebhookView(webhook));
});
