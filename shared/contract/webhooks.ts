import { z } from 'zod';
import { plainText } from './text.ts';

/**
 * The wire contract of webhook endpoints (API.md, "Webhooks"): the body that makes one.
 * Which event types an account may subscribe to is the backend's list (its events), so the
 * backend's `CreateWebhookInput` (shared/notifications/http/schemas.ts) extends `events`
 * with it. Imports nothing but zod and its siblings.
 */

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** POST /v1/webhooks: an https URL the platform may reach, and the event types to send there. */
export const CreateWebhookRequest = z.strictObject({
  url: plainText().min(1).max(MAX_WEBHOOK_URL_LENGTH),
  events: z.array(z.string()).min(1),
  description: plainText().max(200).optional(),
});
export type CreateWebhookRequest = z.input<typeof CreateWebhookRequest>;
