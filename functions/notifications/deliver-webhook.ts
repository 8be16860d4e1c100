import { logger, makeNotificationsDeps } from '#notifications/adapters/deps.ts';
import { DeliveryMessageSchema } from '#notifications/http/schemas.ts';
import { deliver } from '#notifications/use-cases/deliver.ts';
import { queueConsumer } from '#platform/consumer.ts';

const deps = makeNotificationsDeps();

/** One attempt per message: POST, record the outcome, queue the next attempt with backoff or give up. */
export const handler = queueConsumer(logger, DeliveryMessageSchema, async (message) => {
  const outcome = await deliver(message, deps);
  const log = { webhookId: message.webhookId, deliveryId: message.deliveryId, attempt: message.attempt, outcome };
  if (outcome === 'failed') logger.warn('webhook delivery failed for good', log);
  else logger.info('webhook delivery attempt', log);
});
