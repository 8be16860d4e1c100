import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { microUsd } from '#platform/money.ts';
import { emptyBalance, type Balance } from '../domain/balance.ts';
import type { BalanceStore } from '../ports.ts';
import { balanceKey, numberAttribute } from './items.ts';

/** An account's balance item, or zero everywhere when it has none. */
export const toBalance = (accountId: string, item: Record<string, unknown> | undefined): Balance =>
  item
    ? { accountId, balance: microUsd(numberAttribute(item.balance)), held: microUsd(numberAttribute(item.held)), available: microUsd(numberAttribute(item.available)) }
    : emptyBalance(accountId);

export class DynamoBalanceStore implements BalanceStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async get(accountId: string): Promise<Balance> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: balanceKey(accountId), ConsistentRead: true }));
    return toBalance(accountId, Item);
  }
}
