import { addSeconds } from '#platform/clock.ts';
import { deliveryBody, deliveryIdOf, type Delivery, type WebhookEvent } from '../domain/webhooks.ts';
import { DELIVERY_RETENTION_DAYS, type NotificationsDeps } from './deps.ts';

/** A retry this late was lost with its message (local queues live in memory): queue it again. */
export const OVERDUE_SECONDS = 60;

/**
 * One event -> one delivery per endpoint of its owner subscribed to its type.
 *
 * Each delivery's id comes from (event, endpoint), and is written only once; its first attempt
 * is queued after. A redelivered event (the outbox sweep republishes after a local restart)
 * finds the delivery stored: if it is still pending and no attempt is on its way (none made
 * yet, or the next one overdue), that attempt is queued again, which the delivery function
 * makes harmless if the old message does turn up; otherwise nothing happens. Returns the
 * deliveries queued.
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
    const { attempts, status, nextAttemptAt } = stored.delivery;
    const lost = attempts === 0 || (nextAttemptAt !== undefined && Date.parse(nextAttemptAt) + OVERDUE_SECONDS * 1000 < now.getTime());
    if (!stored.created && (status !== 'pending' || !lost)) continue;
    await deps.queue.send({ ownerId: webhook.ownerId, webhookId: webhook.webhookId, deliveryId: delivery.deliveryId, attempt: attempts + 1 }, 0);
    queued += 1;
  }
  return queued;
};
