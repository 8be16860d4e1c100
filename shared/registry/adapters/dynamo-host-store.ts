import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from '#platform/clock.ts';
import type { Outbox } from '#platform/outbox.ts';
import { queryAll, queryPage, scanAll } from '#platform/dynamo.ts';
import { decodeCursor, type Page } from '#platform/pagination.ts';
import type { Host } from '../domain/host.ts';
import type { HostStore, RegistrationToken } from '../ports.ts';
import { toHostIdOf, toHostWithoutPulse, toPulse, toRegistrationToken, toWatchedPulse } from './items.ts';

/**
 * Items of the registry table:
 * - `HOST#<id>` / `HOST`: the host, without its pulse; `gsi1pk = PROVIDER#<id>` lists a
 *   provider's hosts. Written only when something a provider or matching cares about changes.
 * - `PULSE#<shard>` / `HOST#<id>`: the host's pulse, what every heartbeat changes:
 *   `lastHeartbeatAt`, `uptime`, `excusedDowntime`, `gpuUtilization`, plus `watched` (1 while the sweep must look
 *   at the host: not offline, or a deregistration still waits) and `deregistering`. Kept apart
 *   and out of every index, so an ordinary heartbeat is one small write (1 WCU) instead of a
 *   rewrite of the host item and its index entries. The sweep reads the 16 shards whole.
 * - `REGTOKEN#<sha256>` / `REGTOKEN`: a one-use registration token, expiring by TTL;
 * - `AGENTTOKEN#<sha256>` / `AGENTTOKEN`: the authorizer's index from agent token to host.
 */
const hostKey = (hostId: string) => ({ pk: `HOST#${hostId}`, sk: 'HOST' });
const regTokenKey = (tokenHash: string) => ({ pk: `REGTOKEN#${tokenHash}`, sk: 'REGTOKEN' });
const agentTokenKey = (tokenHash: string) => ({ pk: `AGENTTOKEN#${tokenHash}`, sk: 'AGENTTOKEN' });

const PULSE_SHARDS = 16;
const pulseShardPk = (shard: number) => `PULSE#${shard}`;
const pulseKey = (hostId: string) => ({
  pk: pulseShardPk(createHash('sha256').update(hostId).digest().readUInt16BE(0) % PULSE_SHARDS),
  sk: `HOST#${hostId}`,
});

const withoutPulse = ({ lastHeartbeatAt: _l, uptime: _u, gpuUtilization: _g, excusedDowntime: _e, ...rest }: Host) => rest;

const hostItem = (host: Host) => ({
  ...hostKey(host.hostId),
  ...withoutPulse(host),
  gsi1pk: `PROVIDER#${host.providerId}`,
  gsi1sk: `HOST#${host.registeredAt}#${host.hostId}`,
});

const pulseItem = (host: Host) => ({
  ...pulseKey(host.hostId),
  hostId: host.hostId,
  // The host item's revision: a pulse-only write checks it, so it never lands on a host that changed meanwhile.
  revision: host.revision,
  lastHeartbeatAt: host.lastHeartbeatAt,
  uptime: host.uptime,
  ...(host.gpuUtilization ? { gpuUtilization: host.gpuUtilization } : {}),
  ...(host.excusedDowntime ? { excusedDowntime: host.excusedDowntime } : {}),
  // Offline hosts leave the sweep's view, unless a deregistration still waits to complete.
  watched: host.status !== 'offline' || host.deregistering ? 1 : 0,
  deregistering: host.deregistering ? 1 : 0,
});

/**
 * Written only if neither the host nor its pulse changed since the caller read them (or, for a
 * host registered before pulses existed, the pulse is absent).
 */
const unchangedPulse = (previous: Host) => ({
  ConditionExpression: 'attribute_not_exists(pk) OR (lastHeartbeatAt = :previousHeartbeat AND revision = :previousRevision)',
  ExpressionAttributeValues: { ':previousHeartbeat': previous.lastHeartbeatAt, ':previousRevision': previous.revision },
});

const toHost = (item: Record<string, unknown>, pulse?: Record<string, unknown>): Host =>
  ({ ...toHostWithoutPulse(item), ...(pulse ? toPulse(pulse) : {}) }) as Host;

const isConditionFailure = (error: unknown): boolean =>
  (error as { name?: string }).name === 'ConditionalCheckFailedException' ||
  (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed'));

const isTransactionConflict = (error: unknown): boolean =>
  error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict');

/** BatchGetItem takes 100 keys: a host and its pulse each. */
const HOSTS_PER_BATCH_GET = 50;
/** TransactWriteItems takes 100 items: a host and its pulse each. */
const HOSTS_PER_TRANSACTION = 50;

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
    return Item ? toRegistrationToken(Item) : undefined;
  }

  async registerHost(tokenHash: string, host: Host, events: readonly DomainEvent[], now: Date): Promise<'registered' | 'token_unusable' | 'agent_token_taken'> {
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
          { Put: { TableName: this.tableName, Item: pulseItem(host) } },
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
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons ?? [] : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'token_unusable';
      if (reasons[3]?.Code === 'ConditionalCheckFailed') return 'agent_token_taken';
      throw error;
    }
  }

  async get(hostId: string, options: { consistent?: boolean } = {}): Promise<Host | undefined> {
    const [host] = await this.getMany([hostId], options.consistent ?? true);
    return host;
  }

  async listByProvider(providerId: string, limit: number, cursor?: string): Promise<Page<Host>> {
    const page = await queryPage(
      this.documents,
      {
        TableName: this.tableName,
        IndexName: 'byType',
        KeyConditionExpression: 'gsi1pk = :provider',
        ExpressionAttributeValues: { ':provider': `PROVIDER#${providerId}` },
        Limit: limit,
      },
      decodeCursor(cursor),
      (item) => ({ item, hostId: toHostIdOf(item) }),
    );
    const pulses = await this.pulsesOf(page.items.map(({ hostId }) => hostId));
    return { items: page.items.map(({ item, hostId }) => toHost(item, pulses.get(hostId))), nextCursor: page.nextCursor };
  }

  /** Every pulse shard once: a query reads (and is billed for) every pulse of its shard, whatever it filters. */
  async listWatched(silentBefore: Date): Promise<{ readonly silent: readonly string[]; readonly deregistering: readonly string[] }> {
    const before = silentBefore.toISOString();
    const shards = await Promise.all(
      Array.from({ length: PULSE_SHARDS }, (_, shard) =>
        queryAll(this.documents, {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :shard',
          FilterExpression: 'watched = :one AND (lastHeartbeatAt < :before OR deregistering = :one)',
          ExpressionAttributeValues: { ':shard': pulseShardPk(shard), ':one': 1, ':before': before },
          ProjectionExpression: 'hostId, lastHeartbeatAt, deregistering',
        }),
      ),
    );
    const pulses = shards.flat().map(toWatchedPulse);
    return {
      silent: pulses.filter((pulse) => pulse.lastHeartbeatAt !== undefined && pulse.lastHeartbeatAt < before).map((pulse) => pulse.hostId),
      deregistering: pulses.filter((pulse) => pulse.deregistering === 1).map((pulse) => pulse.hostId),
    };
  }

  async save(previous: Host, next: Host, events: readonly DomainEvent[]): Promise<Host | undefined> {
    try {
      if (events.length === 0 && isDeepStrictEqual(withoutPulse(previous), withoutPulse(next))) {
        // An ordinary heartbeat: only the pulse moves.
        await this.documents.send(new PutCommand({ TableName: this.tableName, Item: pulseItem(next), ...unchangedPulse(previous) }));
        return next;
      }
      const saved = { ...next, revision: previous.revision + 1 };
      await this.outbox.commit(
        [
          {
            Put: {
              TableName: this.tableName,
              Item: hostItem(saved),
              ConditionExpression: 'revision = :previous',
              ExpressionAttributeValues: { ':previous': previous.revision },
            },
          },
          { Put: { TableName: this.tableName, Item: pulseItem(saved), ...unchangedPulse(previous) } },
        ],
        events,
      );
      return saved;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
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
    const items = await scanAll(this.documents, {
      TableName: this.tableName,
      FilterExpression: 'sk = :host AND attribute_not_exists(deregisteredAt)',
      ExpressionAttributeValues: { ':host': 'HOST' },
    });
    return items.map((item) => toHost(item));
  }

  /** Hosts and their pulses, 50 hosts (100 keys) per BatchGet, the calls at once. */
  async getMany(hostIds: readonly string[], consistent = true): Promise<(Host | undefined)[]> {
    const chunks = Array.from({ length: Math.ceil(hostIds.length / HOSTS_PER_BATCH_GET) }, (_, n) => hostIds.slice(n * HOSTS_PER_BATCH_GET, (n + 1) * HOSTS_PER_BATCH_GET));
    return (await Promise.all(chunks.map((chunk) => this.getChunk(chunk, consistent)))).flat();
  }

  /**
   * One transaction per 50 hosts (host and pulse, each conditioned as `save` does). A
   * caller's batch of `job.scheduled` events names at most a few dozen hosts: one call.
   */
  async saveAll(changes: readonly { readonly previous: Host; readonly next: Host }[]): Promise<boolean> {
    try {
      for (let start = 0; start < changes.length; start += HOSTS_PER_TRANSACTION) {
        const items = changes.slice(start, start + HOSTS_PER_TRANSACTION).flatMap(({ previous, next }) => {
          const saved = { ...next, revision: previous.revision + 1 };
          return [
            { Put: { TableName: this.tableName, Item: hostItem(saved), ConditionExpression: 'revision = :previous', ExpressionAttributeValues: { ':previous': previous.revision } } },
            { Put: { TableName: this.tableName, Item: pulseItem(saved), ...unchangedPulse(previous) } },
          ];
        });
        await this.outbox.commit(items, []);
      }
      return true;
    } catch (error) {
      // A conflict with another transaction on the same host counts as a lost race too.
      if (isConditionFailure(error) || isTransactionConflict(error)) return false;
      throw error;
    }
  }

  /** Hosts and their pulses in one BatchGet, in the order asked. */
  private async getChunk(hostIds: readonly string[], consistent: boolean): Promise<(Host | undefined)[]> {
    if (hostIds.length === 0) return [];
    const { Responses, UnprocessedKeys } = await this.documents.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: { Keys: hostIds.flatMap((hostId) => [hostKey(hostId), pulseKey(hostId)]), ConsistentRead: consistent },
        },
      }),
    );
    if (UnprocessedKeys && Object.keys(UnprocessedKeys).length > 0) throw new Error('DynamoDB left host reads unprocessed; retry.');
    const items = Responses?.[this.tableName] ?? [];
    const hosts = new Map(items.filter((item) => item.sk === 'HOST').map((item) => [toHostIdOf(item), item]));
    const pulses = new Map(items.filter((item) => item.sk !== 'HOST').map((item) => [toHostIdOf(item), item]));
    return hostIds.map((hostId) => {
      const item = hosts.get(hostId);
      return item ? toHost(item, pulses.get(hostId)) : undefined;
    });
  }

  private async pulsesOf(hostIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    if (hostIds.length === 0) return new Map();
    const { Responses, UnprocessedKeys } = await this.documents.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: hostIds.map(pulseKey) } } }),
    );
    if (UnprocessedKeys && Object.keys(UnprocessedKeys).length > 0) throw new Error('DynamoDB left pulse reads unprocessed; retry.');
    return new Map((Responses?.[this.tableName] ?? []).map((item) => [toHostIdOf(item), item]));
  }
}
