import { z } from 'zod';
import { CreateWebhookRequest } from '#contract/webhooks.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { ALL_WEBHOOK_EVENTS } from '../domain/webhooks.ts';

/** The wire contract's body, each event type checked against the events the platform sends. */
export const CreateWebhookInput = CreateWebhookRequest.extend({
  events: z
    .array(z.string().refine((type) => ALL_WEBHOOK_EVENTS.includes(type), `must be one of ${ALL_WEBHOOK_EVENTS.join(', ')}`))
    .min(1)
    .max(ALL_WEBHOOK_EVENTS.length),
});
type _CreateWebhookReadsContract = Holds<ReadsContractBody<typeof CreateWebhookInput, typeof CreateWebhookRequest>>;

export const WebhookPath = z.object({ webhookId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'is not a webhook id') });
export const PageQuery = z.object({ ...pageQuery });

export const DeliveryMessageSchema = z.object({
  ownerId: z.string().min(1),
  webhookId: z.string().min(1),
  deliveryId: z.string().min(1),
  attempt: z.number().int().min(1),
});
