import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import type { Outbox } from '#platform/outbox.ts';
import { queryAll } from '#platform/dynamo.ts';
import { decodeCursor, encodeCursor, type Page } from '#platform/pagination.ts';
import type { Host } from '../domain/host.ts';
import type { HostStore, RegistrationToken } from '../ports.ts';

/**
 * Items of the registry table:
 * - `HOST#<id>` / `HOST`: the host; `gsi1pk = PROVIDER#<id>` lists a provider's hosts, and
 *   `livenessBucket = live` (absent once offline) lets the sweep find silent hosts;
 * - `REGTOKEN#<sha256>` / `REGTOKEN`: a one-use registration token, expiring by TTL;
 * - `AGENTTOKEN#<sha256>` / `AGENTTOKEN`: the authorizer's index from agent token to host.
 */
const hostKey = (hostId: string) => ({ pk: `HOST#${hostId}`, sk: 'HOST' });
const regTokenKey = (tokenHash: string) => ({ pk: `REGTOKEN#${tokenHash}`, sk: 'REGTOKEN' });
const agentTokenKey = (tokenHash: string) => ({ pk: `AGENTTOKEN#${tokenHash}`, sk: 'AGENTTOKEN' });
const LIVE = 'live';

const hostItem = (host: Host) => ({
  ...hostKey(host.hostId),
  ...host,
  gsi1pk: `PROVIDER#${host.providerId}`,
  gsi1sk: `HOST#${host.registeredAt}#${host.hostId}`,
  // Offline hosts leave the sweep's index, unless a deregistration still waits to complete.
  ...(host.status !== 'offline' || host.deregistering ? { livenessBucket: LIVE } : {}),
  ...(host.deregistering ? { deregisteringFlag: 1 } : {}),
});

const toHost = (item: Record<string, unknown>): Host => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, livenessBucket: _l, deregisteringFlag: _d, ...host } = item;
  return host as unknown as Host;
};

export class DynamoHostStore implements HostStore {
  constructor(
    private readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient,
    private readonly outbox: Outbox,
  ) {}

  async putRegistrationToken(token: RegistrationToken): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        // Kept a day past expiry so a late use is told "expired", then removed by TTL.
        Item: { ...regTokenKey(token.tokenHash), ...token, ttl: epochSeconds(addSeconds(new Date(token.expiresAt), 86_400)) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getRegistrationToken(tokenHash: string): Promise<RegistrationToken | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: regTokenKey(tokenHash) }));
    if (!Item) return undefined;
    return {
      tokenHash: Item.tokenHash as string,
      providerId: Item.providerId as string,
      createdAt: Item.createdAt as string,
      expiresAt: Item.expiresAt as string,
      ...(Item.usedAt ? { usedAt: Item.usedAt as string } : {}),
    };
  }

  async registerHost(tokenHash: string, host: Host, events: readonly DomainEvent[], now: Date): Promise<'registered' | 'token_unusable'> {
    try {
      await this.outbox.commit(
        [
          {
            Update: {
              TableName: this.tableName,
              Key: regTokenKey(tokenHash),
              UpdateExpression: 'SET usedAt = :now, hostId = :hostId',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now',
              ExpressionAttributeValues: { ':now': now.toISOString(), ':hostId': host.hostId },
            },
          },
          { Put: { TableName: this.tableName, Item: hostItem(host), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: this.tableName,
              Item: { ...agentTokenKey(host.agentTokenHash), hostId: host.hostId, providerId: host.providerId, createdAt: now.toISOString() },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        events,
      );
      return 'registered';
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        return 'token_unusable';
      }
      throw error;
    }
  }

  async get(hostId: string): Promise<Host | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: hostKey(hostId), ConsistentRead: true }));
    return Item ? toHost(Item) : undefined;
  }

  async listByProvider(providerId: string, limit: number, cursor?: string): Promise<Page<Host>> {
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :provider',
        ExpressionAttributeValues: { ':provider': `PROVIDER#${providerId}` },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor),
      }),
    );
    return { items: (page.Items ?? []).map(toHost), nextCursor: encodeCursor(page.LastEvaluatedKey) };
  }

  async listSilentSince(before: Date): Promise<readonly Host[]> {
    return this.queryAll({
      IndexName: 'liveness',
      KeyConditionExpression: 'livenessBucket = :live AND lastHeartbeatAt < :before',
      ExpressionAttributeValues: { ':live': LIVE, ':before': before.toISOString() },
    });
  }

  async listDeregistering(): Promise<readonly Host[]> {
    return this.queryAll({
      IndexName: 'liveness',
      KeyConditionExpression: 'livenessBucket = :live',
      FilterExpression: 'deregisteringFlag = :one',
      ExpressionAttributeValues: { ':live': LIVE, ':one': 1 },
    });
  }

  async save(host: Host, events: readonly DomainEvent[]): Promise<boolean> {
    const put = {
      TableName: this.tableName,
      Item: hostItem(host),
      ConditionExpression: 'revision = :previous',
      ExpressionAttributeValues: { ':previous': host.revision - 1 },
    };
    try {
      if (events.length === 0) await this.documents.send(new PutCommand(put));
      else await this.outbox.commit([{ Put: put }], events);
      return true;
    } catch (error) {
      const name = (error as { name?: string }).name;
      const lostRace =
        name === 'ConditionalCheckFailedException' ||
        (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed');
      if (lostRace) return false;
      throw error;
    }
  }

  async revokeAgentToken(host: Host, at: Date): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: agentTokenKey(host.agentTokenHash),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }

  /** A full scan: only the local runtime calls it, once at start, to rebuild host queues. */
  async listHostsWithQueues(): Promise<readonly Host[]> {
    const hosts: Host[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :host AND attribute_not_exists(deregisteredAt)',
          ExpressionAttributeValues: { ':host': 'HOST' },
          ExclusiveStartKey: startKey,
        }),
      );
      hosts.push(...(page.Items ?? []).map(toHost));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return hosts;
  }

  private async queryAll(query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Host[]> {
    return (await queryAll(this.documents, { ...query, TableName: this.tableName })).map(toHost);
  }

}
