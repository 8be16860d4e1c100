import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import { queryAll, queryPage } from '#platform/dynamo.ts';
import { outboxPut, validateEvent, type Outbox } from '#platform/outbox.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import { isServiceFinal, type Service } from '../domain/service.ts';
import type { IdempotencyClaim } from '../ports.ts';
import type { CreateServiceResult, ServiceStore } from '../service-ports.ts';
import { toService, toServiceClaim } from './service-codecs.ts';

/**
 * Items of the matching table for services:
 * - `SERVICE#<id>` / `SERVICE`: the service with its slots and endpoints; `gsi1pk =
 *   SERVICES#<renter>` lists a renter's; `workBucket = service` while it is not stopped or
 *   failed, so the sweep finds the ones to reconcile without a scan;
 * - `IDEMPOTENCY#<renter>#service#<key>` / `IDEMPOTENCY`: a create's Idempotency-Key, for a day.
 * The env is kept as [name, value] pairs, as a job's is (`constructor` is a legal name).
 */
const IDEMPOTENCY_SECONDS = 24 * 3600;
const serviceKey = (serviceId: string) => ({ pk: `SERVICE#${serviceId}`, sk: 'SERVICE' });

const serviceItem = (service: Service) => {
  const { env, ...spec } = service.spec;
  return {
    ...serviceKey(service.serviceId),
    ...service,
    spec: { ...spec, envPairs: Object.entries(env) },
    gsi1pk: `SERVICES#${service.renterId}`,
    gsi1sk: `${service.createdAt}#${service.serviceId}`,
    ...(isServiceFinal(service.status) ? {} : { workBucket: 'service', workDueAt: service.createdAt }),
  };
};

const isConditionFailure = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict');

export class DynamoServiceStore implements ServiceStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  async create(service: Service, claim?: IdempotencyClaim): Promise<CreateServiceResult> {
    const claimKey = claim ? { pk: `IDEMPOTENCY#${service.renterId}#service#${claim.key}`, sk: 'IDEMPOTENCY' } : undefined;
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: serviceItem(service), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...(claim && claimKey
              ? [{
                  Put: {
                    TableName: this.tableName,
                    Item: { ...claimKey, serviceId: service.serviceId, bodyHash: claim.bodyHash, ttl: epochSeconds(addSeconds(new Date(service.createdAt), IDEMPOTENCY_SECONDS)) },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                }]
              : []),
          ],
        }),
      );
      return { kind: 'created' };
    } catch (error) {
      if (!claim || !claimKey || !isConditionFailure(error)) throw error;
      const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: claimKey, ConsistentRead: true }));
      if (!Item) throw error;
      const made = toServiceClaim(Item);
      return { kind: 'replayed', serviceId: made.serviceId, sameBody: made.bodyHash === claim.bodyHash };
    }
  }

  async get(serviceId: string): Promise<Service | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: serviceKey(serviceId), ConsistentRead: true }));
    return Item ? toService(Item) : undefined;
  }

  async save(before: Service, after: Service, events: readonly DomainEvent[]): Promise<boolean> {
    events.forEach(validateEvent);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: serviceItem({ ...after, revision: before.revision + 1 }),
                ConditionExpression: 'revision = :previous',
                ExpressionAttributeValues: { ':previous': before.revision },
              },
            },
            ...events.map((event) => outboxPut(this.tableName, event)),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  publish(events: readonly DomainEvent[]): Promise<void> {
    return this.outbox.publishCommitted(events);
  }

  async listByRenter(renterId: string, page: { limit: number; cursor?: string }): Promise<Page<Service>> {
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :renter',
        ExpressionAttributeValues: { ':renter': `SERVICES#${renterId}` },
        ScanIndexForward: false,
        Limit: page.limit,
      },
      decodeCursor(page.cursor),
      toService,
    );
  }

  async listActive(): Promise<readonly Service[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      IndexName: 'work',
      KeyConditionExpression: 'workBucket = :bucket',
      ExpressionAttributeValues: { ':bucket': 'service' },
    });
    return items.map(toService);
  }
}
