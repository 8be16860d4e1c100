import { z } from 'zod';
import { itemDecoder } from '#platform/item-codec.ts';
import type { Delivery, DeliveryStatus, Webhook } from '../domain/webhooks.ts';

/** Codecs of the notifications table's items (their keys are in dynamo-stores.ts). */

export const toWebhook = itemDecoder('webhook', z.object({
  webhookId: z.string(),
  ownerId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().optional(),
  secret: z.string(),
  createdAt: z.string(),
})) satisfies (item: Record<string, unknown>) => Webhook;

export const toDelivery = itemDecoder('delivery', z.object({
  deliveryId: z.string(),
  webhookId: z.string(),
  ownerId: z.string(),
  eventId: z.string(),
  type: z.string(),
  body: z.string(),
  attempts: z.number().int(),
  status: z.enum(['pending', 'delivered', 'failed'] satisfies DeliveryStatus[]),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
  nextAttemptAt: z.string().optional(),
})) satisfies (item: Record<string, unknown>) => Delivery;

/** What an Idempotency-Key's record says it made. */
export const toWebhookClaim = itemDecoder('webhook idempotency key', z.object({ webhookId: z.string(), bodyHash: z.string().optional() }));
