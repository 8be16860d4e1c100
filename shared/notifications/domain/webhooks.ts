import { createHash } from 'node:crypto';
import type { AccountRole } from '#infra/topology.ts';
import { events } from '#events/index.ts';
import { formatUsd, microUsd } from '#platform/money.ts';

/** Which events each kind of account may subscribe to (API contract, Webhooks). */
export const WEBHOOK_EVENTS = {
  renter: [events.jobEnded.DETAIL_TYPE, events.jobPreempted.DETAIL_TYPE, events.balanceLow.DETAIL_TYPE, events.hostMaintenanceScheduled.DETAIL_TYPE, events.serviceEndpointsChanged.DETAIL_TYPE],
  provider: [events.hostUnreachable.DETAIL_TYPE, events.hostWentOffline.DETAIL_TYPE, events.hostCameOnline.DETAIL_TYPE, events.payoutPaid.DETAIL_TYPE],
} as const satisfies Partial<Record<AccountRole, readonly string[]>>;

export type WebhookRole = keyof typeof WEBHOOK_EVENTS;
export const ALL_WEBHOOK_EVENTS: readonly string[] = [...WEBHOOK_EVENTS.renter, ...WEBHOOK_EVENTS.provider];

/** An account may keep this many endpoints. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 20;

export interface Webhook {
  readonly webhookId: string;
  readonly ownerId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description?: string;
  /** Kept so each delivery can be signed; shown to the owner only when the endpoint is made. */
  readonly secret: string;
  readonly createdAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  readonly deliveryId: string;
  readonly webhookId: string;
  readonly ownerId: string;
  readonly eventId: string;
  readonly type: string;
  /** The exact body every attempt sends (and signs). */
  readonly body: string;
  readonly attempts: number;
  readonly status: DeliveryStatus;
  readonly lastStatusCode?: number;
  readonly lastError?: string;
  readonly createdAt: string;
  readonly deliveredAt?: string;
  readonly nextAttemptAt?: string;
}

/** The event a webhook consumer received, reduced to what the fan-out needs. */
export interface WebhookEvent {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  /** Whose endpoints hear it: the renter of a job, the account of a balance, the provider of a host. */
  readonly ownerId: string;
  readonly data: Record<string, unknown>;
}

/**
 * The event as a receiver sees it: the detail without the envelope fields, money as the API
 * shows it (decimal USD strings).
 */
export const webhookEventOf = (type: string, detail: Record<string, unknown> & { eventId: string; occurredAt: string }): WebhookEvent => {
  const { eventId, occurredAt, version: _version, ...data } = detail;
  let ownerId: unknown;
  if (type === events.jobEnded.DETAIL_TYPE || type === events.jobPreempted.DETAIL_TYPE || type === events.hostMaintenanceScheduled.DETAIL_TYPE || type === events.serviceEndpointsChanged.DETAIL_TYPE) ownerId = data.renterId;
  else if (type === events.balanceLow.DETAIL_TYPE) {
    ownerId = data.accountId;
    if (typeof data.available === 'number') data.available = formatUsd(microUsd(data.available));
  } else if (type === events.payoutPaid.DETAIL_TYPE) {
    ownerId = data.providerId;
    if (typeof data.amount === 'number') data.amount = formatUsd(microUsd(data.amount));
  } else ownerId = data.providerId;
  if (typeof ownerId !== 'string') throw new Error(`No owner in ${type} ${eventId}`);
  return { eventId, type, occurredAt, ownerId, data };
};

/** `{ id, type, createdAt, data }`, serialized once and kept, so every attempt signs the same bytes. */
export const deliveryBody = (event: WebhookEvent): string =>
  JSON.stringify({ id: event.eventId, type: event.type, createdAt: event.occurredAt, data: event.data });

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * `dlv_` + the event's time + a hash of (event, endpoint): sorted by when the event happened,
 * and the same for the same event and endpoint, so a redelivered event makes no second delivery.
 */
export const deliveryIdOf = (eventId: string, webhookId: string, occurredAt: string): string => {
  let time = Date.parse(occurredAt);
  let head = '';
  for (let i = 0; i < 10; i += 1) {
    head = alphabet[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const digest = createHash('sha256').update(`${eventId}\n${webhookId}`).digest();
  const tail = Array.from(digest.subarray(0, 20), (byte) => alphabet[byte % 32]).join('');
  return `dlv_${head}${tail}`;
};
