import { describe, expect, it } from 'vitest';
import { MalformedItemError } from '#platform/item-codec.ts';
import { toDelivery, toWebhook, toWebhookClaim } from '#notifications/adapters/codecs.ts';

const webhookItem = { pk: 'OWNER#a1', sk: 'WEBHOOK#w1', webhookId: 'w1', ownerId: 'a1', url: 'https://example.com/h', events: ['job.finished'], secret: 's', createdAt: 'c' };
const deliveryItem = { deliveryId: 'd1', webhookId: 'w1', ownerId: 'a1', eventId: 'e1', type: 'job.finished', body: '{}', attempts: 0, status: 'pending', createdAt: 'c' };

describe('notifications item codecs', () => {
  it('read a webhook and a delivery without their keys', () => {
    expect(toWebhook(webhookItem)).toEqual({ webhookId: 'w1', ownerId: 'a1', url: 'https://example.com/h', events: ['job.finished'], secret: 's', createdAt: 'c' });
    expect(toDelivery({ pk: 'WEBHOOK#w1', sk: 'DELIVERY#d1', ...deliveryItem })).toMatchObject(deliveryItem);
  });

  it('refuse a malformed item, naming the kind and the field', () => {
    expect(() => toWebhook({ ...webhookItem, events: 'job.finished' })).toThrow(MalformedItemError);
    expect(() => toWebhook({ ...webhookItem, events: 'job.finished' })).toThrow(/stored webhook item .*events/s);
    expect(() => toDelivery({ ...deliveryItem, status: 'lost' })).toThrow(/stored delivery item .*status/s);
    expect(() => toWebhookClaim({})).toThrow(/stored webhook idempotency key item .*webhookId/s);
  });
});
