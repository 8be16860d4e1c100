import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { microUsd } from '#platform/money.ts';
import { emptyBalance, type Balance } from '../domain/balance.ts';
import type { BalanceStore } from '../ports.ts';
import { balanceKey, numberAttribute } from './items.ts';

export class DynamoBalanceStore implements BalanceStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async get(accountId: string): Promise<Balance> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: balanceKey(accountId), ConsistentRead: true }));
    if (!Item) return emptyBalance(accountId);
    return {
      accountId,
      balance: microUsd(numberAttribute(Item.balance)),
      held: microUsd(numberAttribute(Item.held)),
      available: microUsd(numberAttribute(Item.available)),
    };
  }
}
