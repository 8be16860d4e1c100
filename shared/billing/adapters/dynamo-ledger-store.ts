import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#platform/errors.ts';
import { queryPage } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import { accountEntries, netByAccount, type AccountEntry, type LedgerTransaction } from '../domain/ledger.ts';
import type { CreditReference, LedgerRange, LedgerStore } from '../ports.ts';
import { toCreditReference, toEntry, toTransaction } from './codecs.ts';
import {
  ENTRY_PREFIX,
  accountLedgerPk,
  balanceKey,
  creditReferenceKey,
  entryKey,
  ledgerDayPk,
  transactionKey,
} from './items.ts';
import { conditionFailedAt, retryOnConflict } from './transactions.ts';

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Sorts after every ISO time, so an open-ended range reaches the newest entry. */
const AFTER_ALL_TIMES = '~';

/** A transaction's own items: the transaction and an item per entry (no balances). */
export const transactionItems = (tableName: string, transaction: LedgerTransaction): TransactItem[] => [
  {
    Put: {
      TableName: tableName,
      Item: {
        ...transactionKey(transaction.transactionId),
        txnId: transaction.transactionId,
        kind: transaction.kind,
        ...(transaction.reference === null ? {} : { reference: transaction.reference }),
        postedAt: transaction.postedAt,
        entries: transaction.entries.map(({ entryId, accountId, amount }) => ({ entryId, accountId, amount })),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
  ...accountEntries(transaction).map((entry) => ({
    Put: {
      TableName: tableName,
      Item: {
        ...entryKey(entry.accountId, entry.postedAt, entry.entryId),
        txnId: entry.transactionId,
        entryId: entry.entryId,
        accountId: entry.accountId,
        kind: entry.kind,
        amount: entry.amount,
        ...(entry.reference === null ? {} : { reference: entry.reference }),
        postedAt: entry.postedAt,
        gsi1pk: ledgerDayPk(entry.postedAt, entry.entryId),
        gsi1sk: `${entry.postedAt}#${entry.entryId}`,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  })),
];

/**
 * One balance update per account (ADD, so a missing item starts at zero) for the net change
 * of one or more transactions. `heldChange` moves part of one account's change out of `held`
 * instead of `available` (a charge that uses a hold up); `mustHaveAvailable` posts only while
 * that account has at least that much available (a usage charge beyond its hold).
 */
export const balanceItems = (
  tableName: string,
  net: ReadonlyMap<string, number>,
  postedAt: string,
  heldChange?: { readonly accountId: string; readonly amount: number },
  mustHaveAvailable?: { readonly accountId: string; readonly amount: number },
): TransactItem[] =>
  [...net].map(([accountId, amount]) => {
    const held = heldChange?.accountId === accountId ? heldChange.amount : 0;
    const guarded = mustHaveAvailable?.accountId === accountId && mustHaveAvailable.amount > 0;
    return {
      Update: {
        TableName: tableName,
        Key: balanceKey(accountId),
        UpdateExpression: 'ADD balance :amount, available :available, held :held SET accountId = :accountId, updatedAt = :now',
        ExpressionAttributeValues: {
          ':amount': amount, ':available': amount - held, ':held': held, ':accountId': accountId, ':now': postedAt,
          ...(guarded ? { ':needed': mustHaveAvailable.amount } : {}),
        },
        ...(guarded ? { ConditionExpression: 'available >= :needed' } : {}),
      },
    };
  });

/**
 * The writes that post a transaction: its item, an item per entry, and one balance update
 * per account it touches (`balanceItems`).
 */
export const ledgerItems = (
  tableName: string,
  transaction: LedgerTransaction,
  heldChange?: { readonly accountId: string; readonly amount: number },
  /** Posts only while this account has at least `amount` available (a usage charge beyond its hold). */
  mustHaveAvailable?: { readonly accountId: string; readonly amount: number },
): TransactItem[] => [
  ...transactionItems(tableName, transaction),
  ...balanceItems(tableName, netByAccount(transaction), transaction.postedAt, heldChange, mustHaveAvailable),
];

export class DynamoLedgerStore implements LedgerStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  /**
   * One TransactWriteItems: the transaction item, an entry item per entry, one balance
   * update per account it touches (ADD, so a missing item starts at zero), and the credit
   * reference when there is one. The reference comes first so that its condition's
   * failure is found at index 0.
   */
  async post(transaction: LedgerTransaction, options: { readonly creditReference?: CreditReference } = {}): Promise<'posted' | 'reference_taken'> {
    const { creditReference } = options;
    const items: TransactItem[] = [
      ...(creditReference
        ? [{
            Put: {
              TableName: this.tableName,
              Item: {
                ...creditReferenceKey(creditReference.reference),
                reference: creditReference.reference,
                txnId: creditReference.transactionId,
                accountId: creditReference.accountId,
                amount: creditReference.amount,
                createdAt: transaction.postedAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          }]
        : []),
      ...ledgerItems(this.tableName, transaction),
    ];
    try {
      await retryOnConflict(() => this.documents.send(new TransactWriteCommand({ TransactItems: items })));
      return 'posted';
    } catch (error) {
      if (creditReference && conditionFailedAt(error, 0)) return 'reference_taken';
      throw error;
    }
  }

  async getCreditReference(reference: string): Promise<CreditReference | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: creditReferenceKey(reference), ConsistentRead: true }),
    );
    return Item ? toCreditReference(Item) : undefined;
  }

  async getTransaction(transactionId: string): Promise<LedgerTransaction | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: transactionKey(transactionId), ConsistentRead: true }),
    );
    return Item ? toTransaction(Item) : undefined;
  }

  /**
   * Entries sort by `ENTRY#<postedAt>#<entryId>`, so a time range is a key range: `from`'s
   * own entries sort after `ENTRY#<from>` (included), `to`'s after `ENTRY#<to>` (excluded).
   */
  async listEntries(accountId: string, range: LedgerRange, limit: number, cursor?: string): Promise<Page<AccountEntry>> {
    const pk = accountLedgerPk(accountId);
    const low = `${ENTRY_PREFIX}${range.from ?? ''}`;
    const high = `${ENTRY_PREFIX}${range.to ?? AFTER_ALL_TIMES}`;
    const startKey = decodeCursor(cursor);
    // A cursor is opaque but not trusted: one made for another account would read its ledger,
    // and one from another range is refused by DynamoDB with an error that is no 400.
    if (startKey && (startKey.pk !== pk || typeof startKey.sk !== 'string' || startKey.sk < low || startKey.sk > high)) {
      throw new ValidationError([{ field: 'cursor', message: 'is not a cursor this API returned for this account and range' }]);
    }
    return queryPage(
      this.documents,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: { ':pk': pk, ':low': low, ':high': high },
        ScanIndexForward: false,
        Limit: limit,
      },
      startKey,
      toEntry,
    );
  }
}
