import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import type { Outbox } from '#platform/outbox.ts';
import { queryPage } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { Account, ApiKey, SavedSshKey } from '../domain/account.ts';
import type { AccountStore } from '../ports.ts';
import { toAccount, toKey, toSshKey } from './codecs.ts';

/**
 * Items of the accounts table:
 * - `ACCOUNT#<id>` / `ACCOUNT`: the account, with `activeKeys` (a counter that keeps the
 *   last key from being revoked);
 * - `ACCOUNT#<id>` / `KEY#<keyId>`: a key as its owner lists it;
 * - `KEYHASH#<sha256>` / `KEYHASH`: the authorizer's index from secret hash to account;
 * - `ACCOUNT#<id>` / `SSHKEY#<keyId>`: a saved SSH public key, and
 *   `ACCOUNT#<id>` / `SSHFP#<fingerprint>`: its fingerprint, so one key is saved once;
 *   the account item's `sshKeys` counts them (at most MAX_SSH_KEYS).
 */
const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' });
const keyItemKey = (accountId: string, keyId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `KEY#${keyId}` });
export const sshKeyItemKey = (accountId: string, keyId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `SSHKEY#${keyId}` });
const sshFingerprintKey = (accountId: string, fingerprint: string) => ({ pk: `ACCOUNT#${accountId}`, sk: `SSHFP#${fingerprint}` });
/** Saved SSH keys are listed by this sort-key prefix (matching's read-only port reads it too). */
export const SSH_KEY_PREFIX = 'SSHKEY#';

export const keyHashKey = (secretHash: string) => ({ pk: `KEYHASH#${secretHash}`, sk: 'KEYHASH' });

export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  private keyPuts(key: ApiKey) {
    return [
      { Put: { TableName: this.tableName, Item: { ...keyItemKey(key.accountId, key.keyId), ...key }, ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keyHashKey(key.secretHash), accountId: key.accountId, keyId: key.keyId, role: key.role },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  }

  async create(account: Account, key: ApiKey, events: readonly DomainEvent[]): Promise<void> {
    await this.outbox.commit(
      [
        { Put: { TableName: this.tableName, Item: { ...accountKey(account.accountId), ...account, activeKeys: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ...this.keyPuts(key),
      ],
      events,
    );
  }

  async get(accountId: string): Promise<Account | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: accountKey(accountId) }));
    return Item ? toAccount(Item) : undefined;
  }

  async addKey(key: ApiKey): Promise<void> {
    await this.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: accountKey(key.accountId),
              UpdateExpression: 'ADD activeKeys :one',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
          ...this.keyPuts(key),
        ],
      }),
    );
  }

  async getKey(accountId: string, keyId: string): Promise<ApiKey | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyItemKey(accountId, keyId) }));
    return Item ? toKey(Item) : undefined;
  }

  async listKeys(accountId: string, limit: number, cursor?: string): Promise<Page<ApiKey>> {
    return queryPage(
      this.documents,
      { TableName: this.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)', ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':key': 'KEY#' }, Limit: limit },
      decodeCursor(cursor),
      toKey,
    );
  }

  async revokeKey(key: ApiKey, at: Date): Promise<'revoked' | 'last_active_key'> {
    const revokedAt = at.toISOString();
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: accountKey(key.accountId),
                UpdateExpression: 'ADD activeKeys :minusOne',
                ConditionExpression: 'activeKeys > :one',
                ExpressionAttributeValues: { ':minusOne': -1, ':one': 1 },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keyItemKey(key.accountId, key.keyId),
                UpdateExpression: 'SET revokedAt = :at',
                ConditionExpression: 'attribute_not_exists(revokedAt)',
                ExpressionAttributeValues: { ':at': revokedAt },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: keyHashKey(key.secretHash),
                UpdateExpression: 'SET revokedAt = :at',
                ExpressionAttributeValues: { ':at': revokedAt },
              },
            },
          ],
        }),
      );
      return 'revoked';
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons ?? [] : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'last_active_key';
      // A concurrent revoke of the same key already did the work.
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'revoked';
      throw error;
    }
  }

  async addSshKey(key: SavedSshKey, max: number): Promise<'added' | 'duplicate' | 'too_many'> {
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: accountKey(key.accountId),
                UpdateExpression: 'ADD sshKeys :one',
                ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(sshKeys) OR sshKeys < :max)',
                ExpressionAttributeValues: { ':one': 1, ':max': max },
              },
            },
            { Put: { TableName: this.tableName, Item: { ...sshFingerprintKey(key.accountId, key.fingerprint), keyId: key.keyId }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: this.tableName, Item: { ...sshKeyItemKey(key.accountId, key.keyId), ...key }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return 'added';
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons ?? [] : [];
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'duplicate';
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'too_many';
      throw error;
    }
  }

  async listSshKeys(accountId: string): Promise<SavedSshKey[]> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':key': SSH_KEY_PREFIX },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map(toSshKey);
  }

  async deleteSshKey(accountId: string, keyId: string): Promise<boolean> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: sshKeyItemKey(accountId, keyId), ConsistentRead: true }));
    if (!Item) return false;
    const key = toSshKey(Item);
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: sshKeyItemKey(accountId, keyId), ConditionExpression: 'attribute_exists(pk)' } },
            { Delete: { TableName: this.tableName, Key: sshFingerprintKey(accountId, key.fingerprint) } },
            { Update: { TableName: this.tableName, Key: accountKey(accountId), UpdateExpression: 'ADD sshKeys :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } } },
          ],
        }),
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons ?? [] : [];
      // A concurrent delete of the same key already did the work.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return true;
      throw error;
    }
    return true;
  }
}
