import { addSeconds } from '#platform/clock.ts';
import { deliveryBody, deliveryIdOf, type Delivery, type WebhookEvent } from '../domain/webhooks.ts';
import { DELIVERY_RETENTION_DAYS, type NotificationsDeps } from './deps.ts';

/**
 * One event -> one delivery per endpoint of its owner subscribed to its type.
 *
 * Each delivery's id comes from (event, endpoint), and is written only once; its first attempt
 * is queued after. A redelivered event finds the delivery stored: if no attempt was made yet
 * (a crash between the write and the send), the first attempt is queued again, which the
 * delivery function makes harmless; otherwise nothing happens. Returns the deliveries queued.
 */
export const fanOut = async (event: WebhookEvent, deps: NotificationsDeps): Promise<number> => {
  const endpoints = await deps.webhooks.subscribers(event.ownerId, event.type);
  const now = deps.clock.now();
  const body = deliveryBody(event);
  let queued = 0;
  for (const webhook of endpoints) {
    const delivery: Delivery = {
      deliveryId: deliveryIdOf(event.eventId, webhook.webhookId, event.occurredAt),
      webhookId: webhook.webhookId,
      ownerId: webhook.ownerId,
      eventId: event.eventId,
      type: event.type,
      body,
      attempts: 0,
      status: 'pending',
      createdAt: now.toISOString(),
    };
    const stored = await deps.deliveries.createOnce(delivery, addSeconds(now, DELIVERY_RETENTION_DAYS * 86_400));
    if (!stored.created && (stored.delivery.status !== 'pending' || stored.delivery.attempts > 0)) continue;
    await deps.queue.send({ ownerId: webhook.ownerId, webhookId: webhook.webhookId, deliveryId: delivery.deliveryId, attempt: 1 }, 0);
    queued += 1;
  }
  return queued;
};
