import type { Page } from '#platform/pagination.ts';
import type { Clock } from '#platform/clock.ts';
import type { AttemptResult } from '#notifications/domain/retries.ts';
import { DEFAULT_DELIVERY_SETTINGS } from '#notifications/domain/retries.ts';
import type { Delivery, Webhook } from '#notifications/domain/webhooks.ts';
import type { AttemptRecord, CreateOutcome, DeliveryMessage, DeliveryQueue, WebhookSender, WebhookStore } from '#notifications/ports.ts';
import type { NotificationsDeps } from '#notifications/use-cases/deps.ts';

/** The notifications table, queue and receivers, in memory, with the adapters' conditions. */
export class NotificationsState implements WebhookStore, DeliveryQueue, WebhookSender {
  readonly webhooks = new Map<string, Webhook>();
  readonly deliveries = new Map<string, Delivery>();
  readonly sent: { message: DeliveryMessage; delaySeconds: number }[] = [];
  readonly posts: { url: string; headers: Readonly<Record<string, string>>; body: string }[] = [];
  /** What each POST answers, in turn (the last one repeats). */
  answers: AttemptResult[] = [{ ok: true, statusCode: 200 }];

  async create(webhook: Webhook, max: number): Promise<CreateOutcome> {
    if ([...this.webhooks.values()].filter((w) => w.ownerId === webhook.ownerId).length >= max) return { kind: 'too_many' };
    this.webhooks.set(webhook.webhookId, webhook);
    return { kind: 'created' };
  }
  async get(ownerId: string, webhookId: string) {
    const webhook = this.webhooks.get(webhookId);
    return webhook?.ownerId === ownerId ? webhook : undefined;
  }
  async list(ownerId: string): Promise<Page<Webhook>> {
    return { items: [...this.webhooks.values()].filter((w) => w.ownerId === ownerId), nextCursor: null };
  }
  async delete(ownerId: string, webhookId: string) {
    return (await this.get(ownerId, webhookId)) ? this.webhooks.delete(webhookId) : false;
  }
  async subscribers(ownerId: string, type: string) {
    return [...this.webhooks.values()].filter((w) => w.ownerId === ownerId && w.events.includes(type));
  }

  async createOnce(delivery: Delivery) {
    const stored = this.deliveries.get(delivery.deliveryId);
    if (stored) return { created: false, delivery: stored };
    this.deliveries.set(delivery.deliveryId, delivery);
    return { created: true, delivery };
  }
  async recordAttempt(_webhookId: string, deliveryId: string, record: AttemptRecord) {
    const stored = this.deliveries.get(deliveryId);
    if (!stored || stored.status !== 'pending' || stored.attempts >= record.attempt) return false;
    this.deliveries.set(deliveryId, {
      ...stored,
      attempts: record.attempt,
      status: record.status,
      ...(record.result.statusCode !== undefined ? { lastStatusCode: record.result.statusCode } : {}),
      ...(record.result.ok ? {} : { lastError: record.result.error }),
      ...(record.status === 'delivered' ? { deliveredAt: record.at } : {}),
      ...(record.nextAttemptAt ? { nextAttemptAt: record.nextAttemptAt } : {}),
    });
    return true;
  }

  async send(message: DeliveryMessage, delaySeconds: number) {
    this.sent.push({ message, delaySeconds });
  }

  async post(url: string, headers: Readonly<Record<string, string>>, body: string) {
    this.posts.push({ url, headers, body });
    return this.answers.length > 1 ? this.answers.shift()! : this.answers[0]!;
  }
}

/** Deliveries are keyed by id alone here; the store port's `get(webhookId, deliveryId)` is wired to it. */
export const notificationsDeps = (state: NotificationsState, clock: Clock, settings: Partial<NotificationsDeps['settings']> = {}): NotificationsDeps => ({
  webhooks: state,
  deliveries: {
    createOnce: (delivery) => state.createOnce(delivery),
    get: async (_webhookId, deliveryId) => state.deliveries.get(deliveryId),
    recordAttempt: (webhookId, deliveryId, record) => state.recordAttempt(webhookId, deliveryId, record),
    list: async () => ({ items: [...state.deliveries.values()], nextCursor: null }),
  },
  queue: state,
  sender: state,
  clock,
  policy: { allowLoopbackHttp: false },
  settings: { ...DEFAULT_DELIVERY_SETTINGS, ...settings },
});
