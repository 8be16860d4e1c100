import { addSeconds, epochSeconds } from '#platform/clock.ts';
import { afterAttempt, retryDelaySeconds } from '../domain/retries.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from '../domain/signature.ts';
import type { DeliveryMessage } from '../ports.ts';
import type { NotificationsDeps } from './deps.ts';

export type DeliverOutcome = 'delivered' | 'retry' | 'failed' | 'skipped';

/**
 * Makes attempt `message.attempt` of a delivery.
 *
 * 1. A delivery no longer pending, or whose attempt is already recorded, is a repeat of this
 *    message: skipped, except that when this attempt failed and its retry may not have been
 *    queued (a crash in between), the retry is queued again.
 * 2. An endpoint deleted since fails the delivery.
 * 3. POST the stored body, signed now (`Gpuhive-Signature: t=..,v1=..`), with `Gpuhive-Event-Id`.
 * 4. Record the outcome only if no one recorded this attempt first; 2xx is `delivered`, else the
 *    next attempt is queued after `retryDelaySeconds` (SQS DelaySeconds), or, after the last
 *    attempt, the delivery is `failed`.
 * A receiver may see an event twice (at least once): it deduplicates on Gpuhive-Event-Id.
 */
export const deliver = async (message: DeliveryMessage, deps: NotificationsDeps): Promise<DeliverOutcome> => {
  const { settings } = deps;
  const delivery = await deps.deliveries.get(message.webhookId, message.deliveryId);
  if (!delivery || delivery.status !== 'pending') return 'skipped';
  const next = { ...message, attempt: message.attempt + 1 };
  if (delivery.attempts >= message.attempt) {
    if (delivery.attempts === message.attempt && message.attempt < settings.maxAttempts) {
      await deps.queue.send(next, retryDelaySeconds(message.attempt, settings.retryBaseSeconds));
    }
    return 'skipped';
  }

  const now = deps.clock.now();
  const webhook = await deps.webhooks.get(message.ownerId, message.webhookId);
  if (!webhook) {
    await deps.deliveries.recordAttempt(message.webhookId, message.deliveryId, {
      attempt: message.attempt, status: 'failed', result: { ok: false, error: 'the webhook was deleted' }, at: now.toISOString(),
    });
    return 'failed';
  }

  const result = await deps.sender.post(
    webhook.url,
    {
      'content-type': 'application/json',
      'user-agent': 'gpuhive-webhooks/1',
      [SIGNATURE_HEADER]: signatureHeader(webhook.secret, epochSeconds(now), delivery.body),
      [EVENT_ID_HEADER]: delivery.eventId,
    },
    delivery.body,
  );
  const at = deps.clock.now();
  const outcome = afterAttempt(message.attempt, result, settings.maxAttempts);
  const delay = retryDelaySeconds(message.attempt, settings.retryBaseSeconds);
  const recorded = await deps.deliveries.recordAttempt(message.webhookId, message.deliveryId, {
    attempt: message.attempt,
    status: outcome === 'retry' ? 'pending' : outcome,
    result,
    at: at.toISOString(),
    ...(outcome === 'retry' ? { nextAttemptAt: addSeconds(at, delay).toISOString() } : {}),
  });
  if (!recorded) return 'skipped';
  if (outcome === 'retry') await deps.queue.send(next, delay);
  return outcome;
};
