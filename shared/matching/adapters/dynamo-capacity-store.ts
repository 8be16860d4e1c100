import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '#platform/dynamo.ts';
import type { HostCapacity } from '../domain/capacity.ts';
import type { CapacityStore } from '../ports.ts';
import { toCapacity } from './capacity-codecs.ts';
import { CAPACITY_SHARDS, CHANGED_PREFIX, capacityItem, capacityShardOf, capacityShardsOfPool, capacityKey, isConditionFailure, revisionCondition } from './items.ts';

/** Matching's projection of every host (`HOST#<id>` / `CAPACITY`, items.ts), read by the matchers' pool index. */
export class DynamoCapacityStore implements CapacityStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly shards = CAPACITY_SHARDS;

  shardOf(capacity: HostCapacity): number {
    return capacityShardOf(capacity);
  }

  shardsOfPool(pool: string): readonly number[] {
    return capacityShardsOfPool(pool);
  }

  async changedSince(since: string, shards: readonly number[] = Array.from({ length: CAPACITY_SHARDS }, (_, shard) => shard)): Promise<readonly HostCapacity[]> {
    const read = await Promise.all(
      shards.map((shard) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: 'byType',
          // `~` sorts after every digit and `#`: the whole range of change times from `since`.
          KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk BETWEEN :since AND :end',
          ExpressionAttributeValues: { ':shard': `CAPACITY#${shard}`, ':since': `${CHANGED_PREFIX}${since}`, ':end': `${CHANGED_PREFIX}~` },
        }),
      ),
    );
    return read.flat().map(toCapacity);
  }

  async all(): Promise<readonly HostCapacity[]> {
    const shards = await Promise.all(
      Array.from({ length: CAPACITY_SHARDS }, (_, shard) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          IndexName: 'byType',
          KeyConditionExpression: 'gsi1pk = :shard',
          ExpressionAttributeValues: { ':shard': `CAPACITY#${shard}` },
        }),
      ),
    );
    return shards.flat().map(toCapacity);
  }

  async get(hostId: string): Promise<HostCapacity | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: capacityKey(hostId), ConsistentRead: true }));
    return Item ? toCapacity(Item) : undefined;
  }

  async save(capacity: HostCapacity): Promise<boolean> {
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: capacityItem(capacity, this.now()), ...revisionCondition(capacity.revision - 1) }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
