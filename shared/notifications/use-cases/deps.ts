import type { Clock } from '#platform/clock.ts';
import type { EndpointPolicy } from '../domain/endpoint-url.ts';
import type { DeliverySettings } from '../domain/retries.ts';
import type { DeliveryQueue, DeliveryStore, WebhookSender, WebhookStore } from '../ports.ts';

/** What the API routes use: endpoints and deliveries, no queue and no outbound HTTP. */
export interface WebhookApiDeps {
  readonly webhooks: WebhookStore;
  readonly deliveries: DeliveryStore;
  readonly clock: Clock;
  readonly policy: EndpointPolicy;
}

export interface NotificationsDeps extends WebhookApiDeps {
  readonly queue: DeliveryQueue;
  readonly sender: WebhookSender;
  readonly settings: DeliverySettings;
}

/** Deliveries are listed for this long, then expire. */
export const DELIVERY_RETENTION_DAYS = 30;
