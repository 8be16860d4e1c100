import { z } from 'zod';
import { plainText } from '#platform/text.ts';
import { pageQuery } from '#platform/pagination.ts';
import { ALL_WEBHOOK_EVENTS } from '../domain/webhooks.ts';
import { MAX_URL_LENGTH } from '../domain/endpoint-url.ts';

export const CreateWebhookInput = z.strictObject({
  url: plainText().min(1).max(MAX_URL_LENGTH),
  events: z
    .array(z.string().refine((type) => ALL_WEBHOOK_EVENTS.includes(type), `must be one of ${ALL_WEBHOOK_EVENTS.join(', ')}`))
    .min(1)
    .max(ALL_WEBHOOK_EVENTS.length),
  description: plainText().max(200).optional(),
});

export const WebhookPath = z.object({ webhookId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a webhook id') });
export const PageQuery = z.object({ ...pageQuery });

export const DeliveryMessageSchema = z.object({
  ownerId: z.string().min(1),
  webhookId: z.string().min(1),
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
});
