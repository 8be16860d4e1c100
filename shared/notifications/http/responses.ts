import { z } from 'zod';
import { WEBHOOK_EVENTS } from '../domain/webhooks.ts';

/** What the webhook routes answer, as `mappers.ts` builds it; the OpenAPI spec is generated from these. */
const time = z.iso.datetime();
const eventType = z.enum([...WEBHOOK_EVENTS.renter, ...WEBHOOK_EVENTS.provider]);

export const WebhookResponse = z.object({
  webhookId: z.string(),
  url: z.string(),
  events: z.array(eventType),
  description: z.string().optional(),
  createdAt: time,
});

export const CreatedWebhookResponse = z.object({
  ...WebhookResponse.shape,
  secret: z.string().meta({ description: 'Signs every delivery (`Gpuhive-Signature`); shown only here.' }),
});

export const WebhookPageResponse = z.object({ items: z.array(WebhookResponse), nextCursor: z.string().nullable() });

export const DeliveryResponse = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  type: eventType,
  attempts: z.int().min(0),
  status: z.enum(['pending', 'delivered', 'failed']),
  lastStatusCode: z.int().nullable(),
  lastError: z.string().nullable(),
  createdAt: time,
  deliveredAt: time.nullable(),
  nextAttemptAt: time.optional().meta({ description: 'While pending: when the next attempt is due.' }),
});

export const DeliveryPageResponse = z.object({ items: z.array(DeliveryResponse), nextCursor: z.string().nullable() });
