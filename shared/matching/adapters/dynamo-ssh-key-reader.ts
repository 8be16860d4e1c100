import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { queryAll } from '#platform/dynamo.ts';
import { itemDecoder } from '#platform/item-codec.ts';
import type { SshKeyReader } from '../ports.ts';

/** A saved key item, projected to its public key. */
const toPublicKey = itemDecoder('saved SSH key', z.object({ publicKey: z.string() }).transform(({ publicKey }) => publicKey));

/**
 * Accounts' read-only SSH key port: the renter's saved public keys, read once at submit and
 * copied into the job (granted read-only in IAM through the route's `reads`). The key items'
 * layout is accounts' (`ACCOUNT#<id>` / `SSHKEY#<keyId>`); only the public key is read.
 */
export class DynamoSshKeyReader implements SshKeyReader {
  constructor(
    private readonly accountsTable: string,
    private readonly documents: DynamoDBDocumentClient,
  ) {}

  async savedKeys(accountId: string): Promise<string[]> {
    const items = await queryAll(this.documents, {
      TableName: this.accountsTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
      ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':key': 'SSHKEY#' },
      ProjectionExpression: 'publicKey',
    });
    return items.map(toPublicKey);
  }
}
