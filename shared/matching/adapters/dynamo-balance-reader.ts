import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { BalanceReader } from '../ports.ts';

/**
 * Billing's read-only balance port (ARCHITECTURE.md): one read of the renter's BALANCE item,
 * granted read-only in IAM. Advisory: the hold billing places is the guarantee.
 */
export class DynamoBalanceReader implements BalanceReader {
  constructor(
    private readonly billingTable: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async available(accountId: string): Promise<MicroUsd> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.billingTable, Key: { pk: `BALANCE#${accountId}`, sk: 'BALANCE' }, ProjectionExpression: 'available' }),
    );
    return microUsd(typeof Item?.available === 'number' ? Item.available : 0);
  }
}
