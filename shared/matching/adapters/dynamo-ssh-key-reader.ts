import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SshKeyReader } from '../ports.ts';

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
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.accountsTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':key': 'SSHKEY#' },
        ProjectionExpression: 'publicKey',
      }),
    );
    return (page.Items ?? []).map((item) => item.publicKey as string);
  }
}
