import type { Clock } from '#platform/clock.ts';
import type { EndpointPolicy } from '../domain/endpoint-url.ts';
import type { DeliverySettings } from '../domain/retries.ts';
import type { DeliveryQueue, DeliveryStore, WebhookSender, WebhookStore } from '../ports.ts';

export interface NotificationsDeps {
  readonly webhooks: WebhookStore;
  readonly deliveries: DeliveryStore;
  readonly queue: DeliveryQueue;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly policy: EndpointPolicy;
  readonly settings: DeliverySettings;
}

/** Deliveries are listed for this long, then expire. */
export const DELIVERY_RETENTION_DAYS = 30;
