import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import type { Outbox } from '#platform/outbox.ts';
import type { LowRunwayMarker } from '../domain/renewal.ts';
import type { LowRunwayStore } from '../ports.ts';
import { toLowRunwayMarker } from './codecs.ts';
import { lowRunwayKey } from './items.ts';
import { conditionFailedAt, retryOnConflict } from './transactions.ts';

export class DynamoLowRunwayStore implements LowRunwayStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  async get(accountId: string): Promise<LowRunwayMarker | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: lowRunwayKey(accountId), ConsistentRead: true }));
    return Item ? toLowRunwayMarker(Item) : undefined;
  }

  /** The marker, guarded by its version, and the event through the outbox, in one transaction. */
  async save(marker: LowRunwayMarker, event?: DomainEvent): Promise<boolean> {
    try {
      await retryOnConflict(() =>
        this.outbox.commit(
          [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...lowRunwayKey(marker.accountId), ...marker, jobIds: [...marker.jobIds] },
                ...(marker.version === 1
                  ? { ConditionExpression: 'attribute_not_exists(pk)' }
                  : { ConditionExpression: 'version = :previous', ExpressionAttributeValues: { ':previous': marker.version - 1 } }),
              },
            },
          ],
          event ? [event] : [],
        ),
      );
      return true;
    } catch (error) {
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }
}
