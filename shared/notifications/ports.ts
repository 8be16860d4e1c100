import type { Page } from '#platform/pagination.ts';
import type { AttemptResult } from './domain/retries.ts';
import type { Delivery, DeliveryStatus, Webhook } from './domain/webhooks.ts';

/** A create's Idempotency-Key, kept for a day with a hash of the body it came with. */
export interface IdempotencyClaim {
  readonly key: string;
  readonly bodyHash: string;
}

export type CreateOutcome =
  | { readonly kind: 'created' }
  | { readonly kind: 'too_many' }
  /** The key was used before: by the same body (replay its webhook) or another (409). */
  | { readonly kind: 'replayed'; readonly webhookId: string; readonly sameBody: boolean };

export interface WebhookStore {
  /** Stores a new endpoint unless the owner already has `maxPerOwner`, or the claim's key was used. */
  create(webhook: Webhook, maxPerOwner: number, claim?: IdempotencyClaim): Promise<CreateOutcome>;
  get(ownerId: string, webhookId: string): Promise<Webhook | undefined>;
  list(ownerId: string, limit: number, cursor: string | undefined): Promise<Page<Webhook>>;
  /** False if the owner has no such endpoint. */
  delete(ownerId: string, webhookId: string): Promise<boolean>;
  /** The owner's endpoints subscribed to `type`. */
  subscribers(ownerId: string, type: string): Promise<Webhook[]>;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly status: DeliveryStatus;
  readonly result: AttemptResult;
  readonly at: string;
  readonly nextAttemptAt?: string;
}

export interface DeliveryStore {
  /** Writes the delivery unless it exists; returns what is stored either way. */
  createOnce(delivery: Delivery, expiresAt: Date): Promise<{ readonly created: boolean; readonly delivery: Delivery }>;
  get(webhookId: string, deliveryId: string): Promise<Delivery | undefined>;
  /** Records attempt `attempt` only if no attempt at or after it is recorded yet; false otherwise. */
  recordAttempt(webhookId: string, deliveryId: string, record: AttemptRecord): Promise<boolean>;
  /** Newest first. */
  list(webhookId: string, limit: number, cursor: string | undefined): Promise<Page<Delivery>>;
}

/** One attempt to make, as a message on the deliveries queue. */
export interface DeliveryMessage {
  readonly ownerId: string;
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly attempt: number;
}

export interface DeliveryQueue {
  send(message: DeliveryMessage, delaySeconds: number): Promise<void>;
}

export interface WebhookSender {
  /** POSTs the body; a network failure or refused address is a failed result, never a throw. */
  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult>;
}
