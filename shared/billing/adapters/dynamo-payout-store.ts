import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#platform/errors.ts';
import type { Outbox } from '#platform/outbox.ts';
import { batchGetAll, queryPage, queryPages } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { PayoutMethod } from '../domain/payout-method.ts';
import type { Payout, PayoutBatch } from '../domain/payouts.ts';
import type { PayoutFilter, PayoutSettlementWrite, PayoutStore, PayoutWrite } from '../ports.ts';
import { ledgerItems, type TransactItem } from './dynamo-ledger-store.ts';
import {
  PAYOUT_LOG_PK,
  PAYOUT_METHODS_PK,
  PAYOUT_BATCHES_PK,
  payoutBatchKey,
  payoutBatchMemberKey,
  payoutCursorKey,
  payoutKey,
  payoutLogKey,
  payoutMethodKey,
  providerPayoutsPk,
} from './items.ts';
import { toBatch, toCursor, toMethod, toPayout, toPayoutRef } from './codecs.ts';
import { conditionFailedAt, retryOnConflict } from './transactions.ts';

const payoutItem = (payout: Payout): Record<string, unknown> => ({
  ...payoutKey(payout.payoutId),
  payoutId: payout.payoutId,
  batchId: payout.batchId,
  providerId: payout.providerId,
  amount: payout.amount,
  method: payout.method,
  status: payout.status,
  settledBefore: payout.settledBefore,
  createdAt: payout.createdAt,
  txnId: payout.transactionId,
  ...(payout.reference === null ? {} : { reference: payout.reference }),
  ...(payout.failureReason === null ? {} : { failureReason: payout.failureReason }),
  ...(payout.settledAt === null ? {} : { settledAt: payout.settledAt }),
  ...(payout.settlementTransactionId === null ? {} : { settlementTxnId: payout.settlementTransactionId }),
  version: payout.version,
  gsi1pk: providerPayoutsPk(payout.providerId),
  gsi1sk: `${payout.createdAt}#${payout.payoutId}`,
});

export class DynamoPayoutStore implements PayoutStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  async getMethod(providerId: string): Promise<PayoutMethod | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: payoutMethodKey(providerId), ConsistentRead: true }));
    return Item ? toMethod(Item) : undefined;
  }

  async saveMethod(method: PayoutMethod): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...payoutMethodKey(method.providerId),
          providerId: method.providerId,
          method: method.method,
          ...(method.threshold === null ? {} : { threshold: method.threshold }),
          updatedAt: method.updatedAt,
          gsi1pk: PAYOUT_METHODS_PK,
          gsi1sk: method.providerId,
        },
      }),
    );
  }

  async listMethods(limit: number, cursor?: string): Promise<Page<PayoutMethod>> {
    return queryPage(
      this.documents,
      { TableName: this.tableName, IndexName: 'byType', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': PAYOUT_METHODS_PK }, Limit: limit },
      decodeCursor(cursor),
      toMethod,
    );
  }

  async getCursorVersion(providerId: string): Promise<number> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: payoutCursorKey(providerId), ConsistentRead: true }));
    return Item ? toCursor(Item).version : 0;
  }

  async saveBatch(batch: PayoutBatch): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...payoutBatchKey(batch.batchId),
          batchId: batch.batchId,
          requestedBy: batch.requestedBy,
          createdAt: batch.createdAt,
          settledBefore: batch.settledBefore,
          ...(batch.payouts === null ? {} : { payouts: batch.payouts }),
          ...(batch.total === null ? {} : { total: batch.total }),
          gsi1pk: PAYOUT_BATCHES_PK,
          gsi1sk: `${batch.createdAt}#${batch.batchId}`,
        },
      }),
    );
  }

  async getBatch(batchId: string): Promise<PayoutBatch | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: payoutBatchKey(batchId), ConsistentRead: true }));
    return Item ? toBatch(Item) : undefined;
  }

  /**
   * One TransactWriteItems: the cursor first (index 0: its condition is the guard against two
   * batches paying the same money), the payout, its two pointers, then the ledger's items with
   * the provider's balance conditioned on `available >= amount`, so the balance never goes below
   * zero whatever happened in between.
   */
  async createPayout(write: PayoutWrite): Promise<'created' | 'stale'> {
    const { payout, transaction, cursorVersion } = write;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...payoutCursorKey(payout.providerId), providerId: payout.providerId, version: cursorVersion + 1, lastPayoutId: payout.payoutId, updatedAt: payout.createdAt },
          ConditionExpression: cursorVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :read',
          ...(cursorVersion === 0 ? {} : { ExpressionAttributeValues: { ':read': cursorVersion } }),
        },
      },
      { Put: { TableName: this.tableName, Item: payoutItem(payout), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: { ...payoutBatchMemberKey(payout.batchId, payout.payoutId), payoutId: payout.payoutId } } },
      { Put: { TableName: this.tableName, Item: { ...payoutLogKey(payout.createdAt, payout.payoutId), payoutId: payout.payoutId } } },
      ...ledgerItems(this.tableName, transaction, undefined, { accountId: payout.providerId, amount: payout.amount }),
    ];
    const balanceAt = items.findIndex((item) => item.Update?.ConditionExpression === 'available >= :needed');
    try {
      await retryOnConflict(() => this.documents.send(new TransactWriteCommand({ TransactItems: items })));
      return 'created';
    } catch (error) {
      if (conditionFailedAt(error, 0) || (balanceAt >= 0 && conditionFailedAt(error, balanceAt))) return 'stale';
      throw error;
    }
  }

  async getPayout(payoutId: string): Promise<Payout | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: payoutKey(payoutId), ConsistentRead: true }));
    return Item ? toPayout(Item) : undefined;
  }

  /**
   * A provider's payouts come from the index (its own partition); a batch's and everyone's from
   * pointer items, read whole with BatchGet. `status` is applied to what a page read, so a page
   * may hold fewer than `limit` payouts while `nextCursor` says more follow.
   */
  async listPayouts(filter: PayoutFilter, limit: number, cursor?: string): Promise<Page<Payout>> {
    const startKey = decodeCursor(cursor);
    const keep = (payouts: readonly Payout[]) =>
      payouts.filter((payout) => (!filter.status || payout.status === filter.status) && (!filter.providerId || payout.providerId === filter.providerId));
    if (filter.providerId) {
      if (startKey && startKey.gsi1pk !== providerPayoutsPk(filter.providerId)) throw badCursor();
      const page = await queryPage(
        this.documents,
        {
          TableName: this.tableName,
          IndexName: 'byType',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': providerPayoutsPk(filter.providerId) },
          ScanIndexForward: false,
          Limit: limit,
        },
        startKey,
        toPayout,
      );
      return { items: keep(page.items.filter((payout) => !filter.batchId || payout.batchId === filter.batchId)), nextCursor: page.nextCursor };
    }
    const pk = filter.batchId ? payoutBatchKey(filter.batchId).pk : PAYOUT_LOG_PK;
    if (startKey && startKey.pk !== pk) throw badCursor();
    const page = await queryPage(
      this.documents,
      {
        TableName: this.tableName,
        KeyConditionExpression: filter.batchId ? 'pk = :pk AND begins_with(sk, :payout)' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(filter.batchId ? { ':payout': 'PAYOUT#' } : {}) },
        ScanIndexForward: false,
        Limit: limit,
      },
      startKey,
      (item) => toPayoutRef(item).payoutId,
    );
    return { items: keep(await this.getPayouts(page.items)), nextCursor: page.nextCursor };
  }

  async listBatchPayouts(batchId: string): Promise<Payout[]> {
    const payouts: Payout[] = [];
    for await (const page of queryPages(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :payout)',
      ExpressionAttributeValues: { ':pk': payoutBatchKey(batchId).pk, ':payout': 'PAYOUT#' },
      // A BatchGet reads at most 100 keys.
      Limit: 100,
    })) payouts.push(...(await this.getPayouts((page.Items ?? []).map((item) => toPayoutRef(item).payoutId))));
    return payouts.sort((a, b) => a.payoutId.localeCompare(b.payoutId));
  }

  /** The payout (index 0, guarded by its status and version), the ledger's items, and the event. */
  async settle(write: PayoutSettlementWrite): Promise<boolean> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: payoutItem(write.payout),
          ConditionExpression: '#status = :inTransit AND version = :read',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inTransit': 'in_transit', ':read': write.payout.version - 1 },
        },
      },
      ...ledgerItems(this.tableName, write.transaction),
    ];
    try {
      await retryOnConflict(() => this.outbox.commit(items, write.event ? [write.event] : []));
      return true;
    } catch (error) {
      if (conditionFailedAt(error, 0)) return false;
      throw error;
    }
  }

  /** Payouts by id, in the order asked (BatchGet answers in any order, and may leave keys for a second call). */
  private async getPayouts(payoutIds: readonly string[]): Promise<Payout[]> {
    if (payoutIds.length === 0) return [];
    const payouts = (await batchGetAll(this.documents, this.tableName, payoutIds.map(payoutKey), { ConsistentRead: true })).map(toPayout);
    const found = new Map(payouts.map((payout) => [payout.payoutId, payout]));
    return payoutIds.flatMap((id) => found.get(id) ?? []);
  }
}

const badCursor = () => new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for this filter' }]);
