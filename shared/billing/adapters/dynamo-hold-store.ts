import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { queryAll } from '#platform/dynamo.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { Outbox } from '#platform/outbox.ts';
import type { Hold } from '../domain/hold.ts';
import type { HoldStore, PlaceHoldResult, RenewableHold } from '../ports.ts';
import { activeHoldsPk, balanceKey, holdKey, numberAttribute, RENEWAL_SHARDS, renewalKey, renewalShardOf, renewalShardPk } from './items.ts';
import { toHold, toRenewableHold } from './codecs.ts';
import { cancellationReasons, conditionFailedAt, retryOnConflict } from './transactions.ts';

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Moves `amount` of an account's funds from available to held, only if that much is available. */
const holdFunds = (tableName: string, accountId: string, amount: number, now: string) => ({
  TableName: tableName,
  Key: balanceKey(accountId),
  UpdateExpression: 'ADD held :amount, available :minusAmount SET updatedAt = :now',
  ConditionExpression: 'available >= :amount',
  ExpressionAttributeValues: { ':amount': amount, ':minusAmount': -amount, ':now': now },
});

export class DynamoHoldStore implements HoldStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  async get(jobId: string): Promise<Hold | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: holdKey(jobId), ConsistentRead: true }));
    return Item ? toHold(Item) : undefined;
  }

  /**
   * Balance update (guarded by `available >= :amount`, the domain's `canHold`: an absent
   * item has no `available` and fails it, as zero should) + the hold (only if the job has
   * none) + `funds.held`, in one transaction. When funds fall short the balance's old
   * image comes back with the cancellation, so the refusal reports exactly what was available.
   */
  async place(hold: Hold, event: DomainEvent): Promise<PlaceHoldResult> {
    try {
      await retryOnConflict(() =>
        this.outbox.commit(
          [
            { Update: { ...holdFunds(this.tableName, hold.accountId, hold.amount, hold.createdAt), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...holdKey(hold.jobId),
                  ...hold,
                  gsi1pk: activeHoldsPk(hold.accountId),
                  gsi1sk: `${hold.createdAt}#${hold.jobId}`,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...renewalKey(hold.jobId),
                  jobId: hold.jobId,
                  accountId: hold.accountId,
                  gsi1pk: renewalShardPk(renewalShardOf(hold.jobId)),
                  gsi1sk: hold.jobId,
                },
              },
            },
          ],
          [event],
        ),
      );
      return { outcome: 'placed' };
    } catch (error) {
      if (conditionFailedAt(error, 1)) return { outcome: 'exists' };
      if (conditionFailedAt(error, 0)) {
        const old = cancellationReasons(error)?.[0]?.Item;
        return { outcome: 'insufficient_funds', available: microUsd(numberAttribute(old?.available)) };
      }
      throw error;
    }
  }

  async refuse(refusal: Hold, event: DomainEvent): Promise<boolean> {
    try {
      await this.outbox.commit(
        [{ Put: { TableName: this.tableName, Item: { ...holdKey(refusal.jobId), ...refusal }, ConditionExpression: 'attribute_not_exists(pk)' } }],
        [event],
      );
      return true;
    } catch (error) {
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }

  /** The account's active holds, from the sparse `byType` index that only held holds are in. */
  async listActive(accountId: string): Promise<Hold[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      IndexName: 'byType',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': activeHoldsPk(accountId) },
    });
    return items.map(toHold).filter((hold) => hold.status === 'held');
  }

  /** The hold leaves the active-holds index as it leaves `held`. */
  async release(hold: Hold, at: Date): Promise<boolean> {
    const now = at.toISOString();
    try {
      await retryOnConflict(() =>
        this.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: holdKey(hold.jobId),
                  UpdateExpression: 'SET #status = :released, releasedAt = :now REMOVE gsi1pk, gsi1sk',
                  // The amount too: a usage charge may have used part of the hold since it was read.
                  ConditionExpression: '#status = :held AND amount = :amount',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':released': 'released', ':held': 'held', ':now': now, ':amount': hold.amount },
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: balanceKey(hold.accountId),
                  UpdateExpression: 'ADD held :minusAmount, available :amount SET updatedAt = :now',
                  ExpressionAttributeValues: { ':amount': hold.amount, ':minusAmount': -hold.amount, ':now': now },
                },
              },
              { Delete: { TableName: this.tableName, Key: renewalKey(hold.jobId) } },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }

  async keepUntil(hold: Hold, until: Date): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: holdKey(hold.jobId),
          UpdateExpression: 'SET keptUntil = :until',
          ConditionExpression: '#status = :held',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':until': until.toISOString(), ':held': 'held' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async markEndedBeforeHold(jobId: string, accountId: string, at: Date): Promise<boolean> {
    const now = at.toISOString();
    const marker: Hold = { jobId, accountId, amount: microUsd(0), status: 'released', createdAt: now, releasedAt: now, endedBeforeHold: true };
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: { ...holdKey(jobId), ...marker }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every shard of the renewal pointers in `byType`, page by page. */
  async listRenewable(): Promise<RenewableHold[]> {
    const found: RenewableHold[] = [];
    for (let shard = 0; shard < RENEWAL_SHARDS; shard += 1) {
      const items = await queryAll(this.documents, {
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': renewalShardPk(shard) },
      });
      found.push(...items.map(toRenewableHold));
    }
    return found;
  }

  /**
   * The hold (guarded by status, amount and no exhaustion yet), the balance (guarded by
   * `available >= :amount`, as a placement is) and `funds.exhausted` when given, in one
   * transaction through the outbox.
   */
  async renew(hold: Hold, amount: MicroUsd, at: Date, exhausted?: DomainEvent): Promise<'renewed' | 'stale'> {
    if (amount <= 0 && !exhausted) return 'renewed';
    const now = at.toISOString();
    try {
      await retryOnConflict(() =>
        this.outbox.commit(
          [
            {
              Update: {
                TableName: this.tableName,
                Key: holdKey(hold.jobId),
                // `heldTotal` grows with every renewal: what the job's charges may add up to.
                UpdateExpression: `ADD amount :amount${hold.heldTotal === undefined ? '' : ', heldTotal :amount'} SET updatedAt = :now${exhausted ? ', exhaustedAt = :now' : ''}`,
                ConditionExpression: '#status = :held AND amount = :before AND attribute_not_exists(exhaustedAt)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':amount': amount, ':before': hold.amount, ':held': 'held', ':now': now },
              },
            },
            ...(amount > 0
              ? [{ Update: holdFunds(this.tableName, hold.accountId, amount, now) }]
              : []),
          ],
          exhausted ? [exhausted] : [],
        ),
      );
      return 'renewed';
    } catch (error) {
      if (conditionFailedAt(error, 0) || conditionFailedAt(error, 1)) return 'stale';
      throw error;
    }
  }

  async forgetRenewal(jobId: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: renewalKey(jobId) }));
  }
}
