import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '#platform/clock.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import { queryAll, queryPage } from '#platform/dynamo.ts';
import type { Delivery, Webhook } from '../domain/webhooks.ts';
import { toDelivery, toWebhook, toWebhookClaim } from './codecs.ts';
import type { AttemptRecord, CreateOutcome, DeliveryStore, IdempotencyClaim, WebhookStore } from '../ports.ts';

/**
 * The notifications table:
 * - `OWNER#<account>` / `WEBHOOK#<id>`: an endpoint, with its signing secret;
 * - `OWNER#<account>` / `COUNT`: how many endpoints the account has (the cap's guard);
 * - `WEBHOOK#<id>` / `DELIVERY#<id>`: one delivery of one event, with its attempts.
 */
const webhookKey = (ownerId: string, webhookId: string) => ({ pk: `OWNER#${ownerId}`, sk: `WEBHOOK#${webhookId}` });
const countKey = (ownerId: string) => ({ pk: `OWNER#${ownerId}`, sk: 'COUNT' });
const deliveryKey = (webhookId: string, deliveryId: string) => ({ pk: `WEBHOOK#${webhookId}`, sk: `DELIVERY#${deliveryId}` });

/** An Idempotency-Key is remembered this long. */
const IDEMPOTENCY_SECONDS = 24 * 3600;

const isConditionFailure = (error: unknown) => error instanceof ConditionalCheckFailedException || error instanceof TransactionCanceledException;

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  /**
   * The endpoint, the owner's count and the Idempotency-Key's claim in one transaction: the cap
   * holds under concurrent creates, and a key makes one endpoint only.
   */
  async create(webhook: Webhook, maxPerOwner: number, claim?: IdempotencyClaim): Promise<CreateOutcome> {
    const claimKey = claim ? { pk: `IDEMPOTENCY#${webhook.ownerId}#${claim.key}`, sk: 'IDEMPOTENCY' } : undefined;
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: countKey(webhook.ownerId),
                UpdateExpression: 'ADD webhooks :one',
                ConditionExpression: 'attribute_not_exists(webhooks) OR webhooks < :max',
                ExpressionAttributeValues: { ':one': 1, ':max': maxPerOwner },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...webhookKey(webhook.ownerId, webhook.webhookId), ...webhook },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(claim && claimKey
              ? [{
                  Put: {
                    TableName: this.tableName,
                    Item: { ...claimKey, webhookId: webhook.webhookId, bodyHash: claim.bodyHash, ttl: epochSeconds(new Date(Date.parse(webhook.createdAt) + IDEMPOTENCY_SECONDS * 1000)) },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                }]
              : []),
          ],
        }),
      );
      return { kind: 'created' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (claimKey && reasons[2]?.Code === 'ConditionalCheckFailed') {
        const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: claimKey, ConsistentRead: true }));
        if (Item) {
          const replayed = toWebhookClaim(Item);
          return { kind: 'replayed', webhookId: replayed.webhookId, sameBody: replayed.bodyHash === claim?.bodyHash };
        }
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { kind: 'too_many' };
      throw error;
    }
  }

  async get(ownerId: string, webhookId: string): Promise<Webhook | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: webhookKey(ownerId, webhookId), ConsistentRead: true }));
    return Item ? toWebhook(Item) : undefined;
  }

  async list(ownerId: string, limit: number, cursor: string | undefined): Promise<Page<Webhook>> {
    const startKey = decodeCursor(cursor);
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :webhook)',
        ExpressionAttributeValues: { ':pk': `OWNER#${ownerId}`, ':webhook': 'WEBHOOK#' },
        Limit: limit,
      },
      startKey,
      toWebhook,
    );
  }

  async delete(ownerId: string, webhookId: string): Promise<boolean> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: webhookKey(ownerId, webhookId), ConditionExpression: 'attribute_exists(pk)' } },
            { Update: { TableName: this.tableName, Key: countKey(ownerId), UpdateExpression: 'ADD webhooks :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async subscribers(ownerId: string, type: string): Promise<Webhook[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :webhook)',
      FilterExpression: 'contains(events, :type)',
      ExpressionAttributeValues: { ':pk': `OWNER#${ownerId}`, ':webhook': 'WEBHOOK#', ':type': type },
    });
    return items.map(toWebhook);
  }
}

export class DynamoDeliveryStore implements DeliveryStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async createOnce(delivery: Delivery, expiresAt: Date): Promise<{ created: boolean; delivery: Delivery }> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...deliveryKey(delivery.webhookId, delivery.deliveryId), ...delivery, ttl: epochSeconds(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, delivery };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.get(delivery.webhookId, delivery.deliveryId);
      if (!stored) throw new Error(`Delivery ${delivery.deliveryId} exists and cannot be read`, { cause: error });
      return { created: false, delivery: stored };
    }
  }

  async get(webhookId: string, deliveryId: string): Promise<Delivery | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: deliveryKey(webhookId, deliveryId), ConsistentRead: true }));
    return Item ? toDelivery(Item) : undefined;
  }

  async recordAttempt(webhookId: string, deliveryId: string, record: AttemptRecord): Promise<boolean> {
    const sets = ['attempts = :attempt', '#status = :status', 'lastAttemptAt = :at'];
    const removes: string[] = [];
    const values: Record<string, unknown> = { ':attempt': record.attempt, ':status': record.status, ':at': record.at, ':pending': 'pending' };
    if (record.result.statusCode !== undefined) {
      sets.push('lastStatusCode = :code');
      values[':code'] = record.result.statusCode;
    } else removes.push('lastStatusCode');
    if (!record.result.ok) {
      sets.push('lastError = :error');
      values[':error'] = record.result.error;
    } else removes.push('lastError');
    if (record.status === 'delivered') sets.push('deliveredAt = :at');
    if (record.nextAttemptAt) {
      sets.push('nextAttemptAt = :next');
      values[':next'] = record.nextAttemptAt;
    } else removes.push('nextAttemptAt');
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(webhookId, deliveryId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending AND attempts < :attempt',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async list(webhookId: string, limit: number, cursor: string | undefined): Promise<Page<Delivery>> {
    const startKey = decodeCursor(cursor);
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :delivery)',
        ExpressionAttributeValues: { ':pk': `WEBHOOK#${webhookId}`, ':delivery': 'DELIVERY#' },
        ScanIndexForward: false,
        Limit: limit,
      },
      startKey,
      toDelivery,
    );
  }
}
