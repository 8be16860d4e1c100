import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '#platform/dynamo.ts';
import { outboxBatchPut, validateEvent, type Outbox } from '#platform/outbox.ts';
import type { JobCost, UsageCharge } from '../domain/charge.ts';
import type { ChunkCharge } from '../domain/chunk-charge.ts';
import type { Hold } from '../domain/hold.ts';
import { netByAccount } from '../domain/ledger.ts';
import type { ChargedUsage, ChargeStore, ChargeWrite, ChargeWriteResult, ChunkChargeReads, ChunkChargesWrite, ChunkChargeWrite } from '../ports.ts';
import { toBalance } from './dynamo-balance-store.ts';
import { balanceItems, ledgerItems, transactionItems, type TransactItem } from './dynamo-ledger-store.ts';
import { chunkItem } from './chunk-item.ts';
import { toCharge, toChunkCharge, toHold, toJobCost } from './codecs.ts';
import { balanceKey, chargeKey, chunkKey, holdKey, jobCostKey, settlementAttributes } from './items.ts';
import { cancellationReasons, conditionFailedAt, retryOnConflict } from './transactions.ts';

/** Everything held for the job is still what the charge read (holds placed before `heldTotal` was kept have none). */
const heldTotalCondition = (hold: { readonly heldTotal?: number }): string =>
  hold.heldTotal === undefined ? ' AND attribute_not_exists(heldTotal)' : ' AND heldTotal = :heldTotal';

/** GPU-milliseconds, summed exactly (a record's GPU-seconds are kept to the millisecond). */
const gpuSecondsOf = (lines: readonly { readonly gpuSeconds: number }[]): number => lines.reduce((sum, line) => sum + Math.round(line.gpuSeconds * 1000), 0) / 1000;

/**
 * The hold's part of a charge's transaction: takes `fromHold` out of it while it is held with
 * that much (and, for a cut charge, while everything held for the job is what was read); for
 * a cut charge that takes nothing from the hold, only checks that; otherwise nothing.
 */
const holdUse = (tableName: string, hold: Hold | undefined, fromHold: number, cut: boolean, now: string): TransactItem | undefined =>
  !hold
    ? undefined
    : fromHold > 0
      ? {
          Update: {
            TableName: tableName,
            Key: holdKey(hold.jobId),
            UpdateExpression: 'ADD amount :minusFromHold SET updatedAt = :now',
            ConditionExpression: `#status = :held AND amount >= :fromHold${cut ? heldTotalCondition(hold) : ''}`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':minusFromHold': -fromHold, ':fromHold': fromHold, ':held': 'held', ':now': now,
              ...(cut && hold.heldTotal !== undefined ? { ':heldTotal': hold.heldTotal } : {}),
            },
          },
        }
      : cut
        ? {
            ConditionCheck: {
              TableName: tableName,
              Key: holdKey(hold.jobId),
              ConditionExpression: `#status = :status${heldTotalCondition(hold)}`,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':status': hold.status, ...(hold.heldTotal !== undefined ? { ':heldTotal': hold.heldTotal } : {}) },
            },
          }
        : undefined;

/** The job's running total, written only over the version it was built on. */
const jobCostPut = (tableName: string, jobCost: JobCost, now: string): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: { ...jobCostKey(jobCost.jobId), ...jobCost, updatedAt: now },
    ConditionExpression: jobCost.version === 1 ? 'attribute_not_exists(pk)' : 'version = :previous',
    ...(jobCost.version === 1 ? {} : { ExpressionAttributeValues: { ':previous': jobCost.version - 1 } }),
  },
});

export class DynamoChargeStore implements ChargeStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  /** Items of one several-chunk transaction at most: DynamoDB takes 100 (`chargeChunks` says how many chunks fit). */
  static readonly MAX_ITEMS = 100;

  async getCharge(usageRecordId: string): Promise<UsageCharge | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: chargeKey(usageRecordId), ConsistentRead: true }));
    return Item ? toCharge(Item) : undefined;
  }

  async getJobCost(jobId: string): Promise<JobCost | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: jobCostKey(jobId), ConsistentRead: true }));
    return Item ? toJobCost(Item) : undefined;
  }

  async getJobCosts(jobIds: readonly string[]): Promise<JobCost[]> {
    return (await this.batchGet(jobIds.map(jobCostKey))).map(toJobCost);
  }

  async getCharges(usageRecordIds: readonly string[]): Promise<UsageCharge[]> {
    return (await this.batchGet(usageRecordIds.map(chargeKey))).map(toCharge);
  }

  async getChunkCharge(chunkId: string): Promise<ChunkCharge | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: chunkKey(chunkId), ConsistentRead: true }));
    return Item ? toChunkCharge(Item) : undefined;
  }

  async getChunkCharges(chunkIds: readonly string[]): Promise<ChunkCharge[]> {
    return (await this.batchGet(chunkIds.map(chunkKey))).map(toChunkCharge);
  }

  /**
   * One consistent BatchGetItem for the chunks, their jobs' holds and totals and the renter's
   * balance: charging a chunk read them in two round trips of four calls before. Each item is
   * read consistently, as each GetItem was; the transaction's conditions guard what moved.
   */
  async readForChunks(chunkIds: readonly string[], jobIds: readonly string[], renterId: string): Promise<ChunkChargeReads> {
    const keys = [...chunkIds.map(chunkKey), ...jobIds.flatMap((jobId) => [holdKey(jobId), jobCostKey(jobId)]), balanceKey(renterId)];
    const charged: ChunkCharge[] = [];
    const holds = new Map<string, Hold>();
    const jobCosts = new Map<string, JobCost>();
    let balanceItem: Record<string, unknown> | undefined;
    for (const item of await this.batchGet(keys)) {
      const pk = String(item.pk);
      if (pk === balanceKey(renterId).pk) balanceItem = item;
      else if (pk.startsWith(chunkKey('').pk)) charged.push(toChunkCharge(item));
      else if (pk.startsWith(holdKey('').pk)) {
        const hold = toHold(item);
        holds.set(hold.jobId, hold);
      } else if (pk.startsWith(jobCostKey('').pk)) {
        const jobCost = toJobCost(item);
        jobCosts.set(jobCost.jobId, jobCost);
      }
    }
    return { charged, holds, jobCosts, balance: toBalance(renterId, balanceItem) };
  }

  async getChunkUsage(chunkIds: readonly string[]): Promise<ReadonlyMap<string, ChargedUsage>> {
    const chunks = (await this.batchGet(chunkIds.map(chunkKey))).map(toChunkCharge);
    return new Map(chunks.map((chunk) => [chunk.chunkId, { jobId: chunk.jobId, hostId: chunk.hostId, gpuSeconds: gpuSecondsOf(chunk.lines), records: chunk.lines.length }]));
  }

  private batchGet(keys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    return batchGetAll(this.documents, this.tableName, keys, { ConsistentRead: true });
  }

  /**
   * One TransactWriteItems through the outbox: the charge (index 0, so a duplicate is found
   * there), the job's total (index 1, guarded by its version), the hold (index 2 when the
   * charge uses it, guarded by its status and what it still holds; when the charge was cut,
   * also by everything held for the job, so a renewal in between is read again), then the
   * ledger's items (the renter's balance guarded by `available` for what the hold does not
   * cover, so the balance never goes below zero) and `usage.charged`.
   */
  async charge(write: ChargeWrite): Promise<ChargeWriteResult> {
    const { charge, transaction, hold, jobCost, event, fromAvailable } = write;
    const cut = (charge.cut ?? 0) > 0;
    const holdItem = holdUse(this.tableName, hold, charge.fromHold, cut, charge.chargedAt);
    const ledger = transaction ? ledgerItems(this.tableName, transaction, { accountId: charge.renterId, amount: -charge.fromHold }, { accountId: charge.renterId, amount: fromAvailable }) : [];
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...chargeKey(charge.usageRecordId),
            usageRecordId: charge.usageRecordId,
            jobId: charge.jobId,
            assignmentId: charge.assignmentId,
            renterId: charge.renterId,
            providerId: charge.providerId,
            hostId: charge.hostId,
            gpuModel: charge.gpuModel,
            from: charge.from,
            to: charge.to,
            gpuSeconds: charge.gpuSeconds,
            pricePerGpuHour: charge.pricePerGpuHour,
            ...settlementAttributes(charge, charge.usageRecordId),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      jobCostPut(this.tableName, jobCost, charge.chargedAt),
      ...(holdItem ? [holdItem] : []),
      ...ledger,
    ];
    return this.commitCharge(items, event, holdItem !== undefined);
  }

  /**
   * One TransactWriteItems through the outbox for a whole chunk: its charge (index 0, so a
   * redelivery is found there), the job's total (index 1, guarded by its version), the hold
   * (index 2 when used), then the one ledger transaction's items and `usage.chunk_charged`.
   * At most 11 items, the outbox item included, for up to 100 records.
   */
  async chargeChunk(write: ChunkChargeWrite): Promise<ChargeWriteResult> {
    const { charge, transaction, hold, jobCost, event, fromAvailable } = write;
    const holdItem = holdUse(this.tableName, hold, charge.fromHold, (charge.cut ?? 0) > 0, charge.chargedAt);
    const ledger = transaction ? ledgerItems(this.tableName, transaction, { accountId: charge.renterId, amount: -charge.fromHold }, { accountId: charge.renterId, amount: fromAvailable }) : [];
    const items: TransactItem[] = [
      { Put: { TableName: this.tableName, Item: chunkItem(charge), ConditionExpression: 'attribute_not_exists(pk)' } },
      jobCostPut(this.tableName, jobCost, charge.chargedAt),
      ...(holdItem ? [holdItem] : []),
      ...ledger,
    ];
    return this.commitCharge(items, event, holdItem !== undefined);
  }

  /**
   * Commits a charge's items (the charge or chunk at index 0, the job's total at 1, the hold at
   * 2 when used) with its event, and reads a refusal: the charge already there, or a total,
   * hold or balance that moved since it was read.
   */
  /**
   * One TransactWriteItems for several chunks of one renter, in this order: each chunk's
   * charge (each only while its id is unused: a redelivered chunk is found there), each job's
   * total (guarded by its version), each used hold, each chunk's ledger transaction and
   * entries, one balance update per account for all of them (the renter's guarded by
   * `available` for what holds do not cover), and one outbox item with every
   * `usage.chunk_charged`. Per chunk 5 items (charge, transaction, 3 entries) and at most 4
   * more (its job's total and hold, provider and fee shard balances), plus the renter's
   * balance and the outbox item: 10 chunks are at most 92 items.
   */
  async chargeChunks(write: ChunkChargesWrite): Promise<ChargeWriteResult> {
    const chargedAt = write.chunks[0]?.charge.chargedAt;
    if (chargedAt === undefined) return 'charged';
    const events = write.chunks.map((chunk) => chunk.event);
    events.forEach(validateEvent);
    const net = new Map<string, number>();
    for (const { transaction } of write.chunks) {
      if (transaction) for (const [accountId, amount] of netByAccount(transaction)) net.set(accountId, (net.get(accountId) ?? 0) + amount);
    }
    const fromHold = write.holds.reduce((sum, use) => sum + use.fromHold, 0);
    const holdItems = write.holds.flatMap((use) => holdUse(this.tableName, use.hold, use.fromHold, use.cut, chargedAt) ?? []);
    const guarded = [
      ...write.jobCosts.map((jobCost) => jobCostPut(this.tableName, jobCost, chargedAt)),
      ...holdItems,
    ];
    const balances = balanceItems(this.tableName, net, chargedAt, { accountId: write.renterId, amount: -fromHold }, { accountId: write.renterId, amount: write.fromAvailable });
    const items: TransactItem[] = [
      ...write.chunks.map(({ charge }): TransactItem => ({ Put: { TableName: this.tableName, Item: chunkItem(charge), ConditionExpression: 'attribute_not_exists(pk)' } })),
      ...guarded,
      ...write.chunks.flatMap(({ transaction }) => (transaction ? transactionItems(this.tableName, transaction) : [])),
      ...balances,
      outboxBatchPut(this.tableName, events),
    ];
    if (items.length > DynamoChargeStore.MAX_ITEMS) throw new Error(`${write.chunks.length} chunks make ${items.length} items: more than one transaction takes`);
    try {
      await retryOnConflict(() => this.documents.send(new TransactWriteCommand({ TransactItems: items })));
    } catch (error) {
      const reasons = cancellationReasons(error) ?? [];
      const failedAt = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
      if (write.chunks.some((_, index) => failedAt(index))) return 'already_charged';
      const firstBalance = items.length - 1 - balances.length;
      const renterBalanceAt = balances.findIndex((item) => item.Update?.ConditionExpression === 'available >= :needed');
      if (guarded.some((_, index) => failedAt(write.chunks.length + index)) || (renterBalanceAt >= 0 && failedAt(firstBalance + renterBalanceAt))) return 'stale';
      throw error;
    }
    await this.outbox.publishCommittedBatch(events);
    return 'charged';
  }

  private async commitCharge(items: TransactItem[], event: Parameters<Outbox['commit']>[1][number], usesHold: boolean): Promise<ChargeWriteResult> {
    const renterBalanceAt = items.findIndex((item) => item.Update?.ConditionExpression === 'available >= :needed');
    try {
      await retryOnConflict(() => this.outbox.commit(items, [event]));
      return 'charged';
    } catch (error) {
      if (conditionFailedAt(error, 0)) return 'already_charged';
      if (conditionFailedAt(error, 1) || (usesHold && conditionFailedAt(error, 2)) || (renterBalanceAt >= 0 && conditionFailedAt(error, renterBalanceAt))) return 'stale';
      throw error;
    }
  }
}
