import type { Delivery, Webhook } from '../domain/webhooks.ts';

/** An endpoint as listed: never its secret. */
export const webhookView = (webhook: Webhook) => ({
  webhookId: webhook.webhookId,
  url: webhook.url,
  events: webhook.events,
  ...(webhook.description ? { description: webhook.description } : {}),
  createdAt: webhook.createdAt,
});

/** The one answer that carries the secret: the endpoint's creation. */
export const createdWebhookView = (webhook: Webhook) => ({ ...webhookView(webhook), secret: webhook.secret });

export const deliveryView = (delivery: Delivery) => ({
  deliveryId: delivery.deliveryId,
  eventId: delivery.eventId,
  type: delivery.type,
  attempts: delivery.attempts,
  status: delivery.status,
  lastStatusCode: delivery.lastStatusCode ?? null,
  lastError: delivery.lastError ?? null,
  createdAt: delivery.createdAt,
  deliveredAt: delivery.deliveredAt ?? null,
  ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
});
