import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { definitionOf } from '#events/index.ts';
import type { DomainEvent } from '#events/define.ts';
import { addSeconds, epochSeconds } from './clock.ts';
import { queryPages } from './dynamo.ts';
import { backoffDelay, realSleep } from './retry-on-conflict.ts';

/**
 * The transactional outbox (ARCHITECTURE.md, Failure model). A producer writes its events
 * into its own table in the same transaction as the state change; the publisher sends them
 * right after and marks them sent; the sweep republishes what stayed pending, and, after a
 * restart of the in-memory local queues, what was sent recently. Consumers are idempotent,
 * so a republished event is harmless.
 *
 * Outbox items live in the sparse `outbox` index: `outboxBucket` is `pending` until sent,
 * then `sent#<hour>` so recent sends can be found by the hour, and they expire by TTL.
 *
 * An item holds one event (`outboxPut`) or, for a producer that commits many changes in one
 * transaction (the matcher's batches), all of that transaction's events (`outboxBatchPut`):
 * one item written and one mark-sent per transaction instead of per event.
 */
export const PENDING = 'pending';
const RETENTION_SECONDS = 2 * 24 * 3600;
const PUT_EVENTS_MAX = 10;
/**
 * PutEvents can refuse single entries of an accepted call (throttling, an internal failure); the
 * SDK retries only whole calls. Refused entries are sent again this many times, after a jittered
 * wait of up to 100 then 200 ms, before they are left to the sweep (a minute or more later).
 */
const REFUSED_RETRIES = 2;
const REFUSED_RETRY_BASE_MS = 50;

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export const sentBucket = (at: Date): string => `sent#${at.toISOString().slice(0, 13)}`;

export const outboxPut = (tableName: string, event: DomainEvent): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      pk: `OUTBOX#${event.detail.eventId}`,
      sk: 'OUTBOX',
      source: event.source,
      detailType: event.detailType,
      detail: JSON.stringify(event.detail),
      createdAt: event.detail.occurredAt,
      outboxBucket: PENDING,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** DynamoDB's item limit is 400 KB; a batch item stays well under it. */
export const MAX_BATCH_OUTBOX_BYTES = 300 * 1024;

/**
 * One outbox item for several events committed in one transaction, keyed by the first event's
 * id (ids are unique, so the key is too). Published together, marked sent together.
 */
export const outboxBatchPut = (tableName: string, events: readonly DomainEvent[]): TransactItem => {
  const [first] = events;
  if (!first) throw new Error('An outbox batch needs at least one event');
  const stored = JSON.stringify(events.map(({ source, detailType, detail }) => ({ source, detailType, detail })));
  if (Buffer.byteLength(stored) > MAX_BATCH_OUTBOX_BYTES) throw new Error(`An outbox batch of ${events.length} events is too large for one item`);
  return {
    Put: {
      TableName: tableName,
      Item: { pk: `OUTBOX#${first.detail.eventId}`, sk: 'OUTBOX', events: stored, createdAt: first.detail.occurredAt, outboxBucket: PENDING },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
};

interface OutboxRow {
  readonly pk?: string;
  readonly source?: string;
  readonly detailType?: string;
  readonly detail?: string;
  /** A batch item's events (outboxBatchPut). */
  readonly events?: string;
}

/** Events published together and marked sent as one item. */
interface Publication {
  readonly key: string;
  readonly events: readonly DomainEvent[];
}

const single = (event: DomainEvent): Publication => ({ key: `OUTBOX#${event.detail.eventId}`, events: [event] });

const toPublication = (row: OutboxRow): Publication => {
  if (row.events) {
    const events = JSON.parse(row.events) as DomainEvent[];
    return { key: row.pk ?? `OUTBOX#${events[0]?.detail.eventId}`, events };
  }
  const event: DomainEvent = { source: row.source ?? '', detailType: row.detailType ?? '', detail: JSON.parse(row.detail ?? '{}') as DomainEvent['detail'] };
  return row.pk ? { key: row.pk, events: [event] } : single(event);
};

/**
 * Events that passed `validateEvent`, so that an event validated when committed is not parsed
 * again when published (a chunk event lists up to 100 records). Events are never changed
 * after they are built.
 */
const validated = new WeakSet<DomainEvent>();

/** Producers validate before PutEvents: an event that does not match its schema never leaves. */
export const validateEvent = (event: DomainEvent): void => {
  if (validated.has(event)) return;
  const definition = definitionOf(event.source, event.detailType);
  if (!definition) throw new Error(`Unknown event ${event.source} ${event.detailType}`);
  definition.schema.parse(event.detail);
  validated.add(event);
};

export interface OutboxDeps {
  readonly tableName: string;
  readonly busName: string;
  readonly documents: DynamoDBDocumentClient;
  readonly eventBridge: EventBridgeClient;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Waits between sends of refused entries (real time when absent; tests pass one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Writes the state change and its events atomically, then publishes the events. A failed
   * publish is left to the sweep: the change is committed and the events are durable.
   */
  async commit(items: readonly TransactItem[], events: readonly DomainEvent[]): Promise<void> {
    await this.write(items, events);
    await this.publishCommitted(events);
  }

  /**
   * `commit` without the publish: for a caller that commits several transactions in a row
   * and publishes their events together afterwards with `publishCommitted`.
   */
  async write(items: readonly TransactItem[], events: readonly DomainEvent[]): Promise<void> {
    events.forEach(validateEvent);
    await this.deps.documents.send(
      new TransactWriteCommand({ TransactItems: [...items, ...events.map((event) => outboxPut(this.deps.tableName, event))] }),
    );
  }

  /**
   * Publishes events whose outbox items the caller wrote in its own transaction. A failure
   * is left to the sweep: the change is committed and the events are durable.
   */
  async publishCommitted(events: readonly DomainEvent[]): Promise<void> {
    await this.publishOrLeave(events.map(single));
  }

  /** As `publishCommitted`, for events the caller wrote as one item with `outboxBatchPut`. */
  async publishCommittedBatch(events: readonly DomainEvent[]): Promise<void> {
    const [first] = events;
    if (first) await this.publishOrLeave([{ key: `OUTBOX#${first.detail.eventId}`, events }]);
  }

  private async publishOrLeave(publications: readonly Publication[]): Promise<void> {
    try {
      await this.publishAll(publications);
    } catch (error) {
      this.deps.logger.warn('events committed but not yet published; the outbox sweep will send them', {
        error: error as Error,
        eventIds: publications.flatMap((publication) => publication.events.map((event) => event.detail.eventId)),
      });
    }
  }

  /** Sends events (in PutEvents batches) and marks those EventBridge accepted as sent. */
  async publish(events: readonly DomainEvent[]): Promise<number> {
    return this.publishAll(events.map(single));
  }

  /**
   * Sends the events of every publication in PutEvents batches of ten (a batch may span
   * publications), sends what EventBridge refused again up to `REFUSED_RETRIES` times, then
   * marks sent each publication whose events were all accepted; one with an event still refused
   * stays pending for the sweep (its accepted events go again: consumers are idempotent).
   * Returns the events accepted.
   */
  private async publishAll(publications: readonly Publication[]): Promise<number> {
    let unsent = publications.flatMap((publication, owner) => publication.events.map((event) => ({ event, owner, errorCode: '' })));
    const total = unsent.length;
    for (let attempt = 0; unsent.length > 0 && attempt <= REFUSED_RETRIES; attempt += 1) {
      if (attempt > 0) await (this.deps.sleep ?? realSleep)(backoffDelay(attempt, REFUSED_RETRY_BASE_MS, 1000, Math.random));
      const refused: typeof unsent = [];
      for (let start = 0; start < unsent.length; start += PUT_EVENTS_MAX) {
        const batch = unsent.slice(start, start + PUT_EVENTS_MAX);
        const result = await this.deps.eventBridge.send(
          new PutEventsCommand({
            Entries: batch.map(({ event }) => {
              validateEvent(event);
              return {
                EventBusName: this.deps.busName,
                Source: event.source,
                DetailType: event.detailType,
                Detail: JSON.stringify(event.detail),
                Time: new Date(event.detail.occurredAt),
              };
            }),
          }),
        );
        batch.forEach((entry, index) => {
          const errorCode = result.Entries?.[index]?.ErrorCode;
          if (errorCode) refused.push({ ...entry, errorCode });
        });
      }
      unsent = refused;
    }
    // Not an exception, so no caller logs it: without this line an event would wait for the sweep unseen.
    if (unsent.length > 0) {
      const refusals = unsent.map(({ event, errorCode }) => ({ eventId: event.detail.eventId, errorCode }));
      this.deps.logger.warn('EventBridge refused events; they stay pending for the outbox sweep', { refusals });
    }
    const pending = new Set(unsent.map(({ owner }) => owner));
    await Promise.all(publications.flatMap((publication, owner) => (pending.has(owner) ? [] : [this.markSent(publication.key)])));
    return total - unsent.length;
  }

  /** Republishes events still pending after `olderThanSeconds` (a crash between commit and publish). */
  async sweepPending(olderThanSeconds: number): Promise<number> {
    const cutoff = addSeconds(this.deps.now(), -olderThanSeconds).toISOString();
    return this.republish(PENDING, cutoff);
  }

  /**
   * Republishes what was sent since `since` (by its `sentAt`, not just its hour's bucket): local
   * queues are in memory and lose it on restart.
   */
  async republishSentSince(since: Date): Promise<number> {
    let total = 0;
    // What this call republishes is marked sent again, into the current hour: never twice.
    const started = this.deps.now();
    const firstHour = new Date(Math.floor(since.getTime() / 3_600_000) * 3_600_000);
    for (let hour = firstHour; hour <= started; hour = addSeconds(hour, 3600)) {
      total += await this.republish(sentBucket(hour), started.toISOString(), { since: since.toISOString(), before: started.toISOString() });
    }
    return total;
  }

  private async republish(bucket: string, createdBefore: string, sent?: { since: string; before: string }): Promise<number> {
    let total = 0;
    for await (const page of queryPages(this.deps.documents, {
      TableName: this.deps.tableName,
      IndexName: 'outbox',
      KeyConditionExpression: 'outboxBucket = :bucket AND createdAt <= :before',
      ...(sent
        ? {
            FilterExpression: 'sentAt >= :sentSince AND sentAt < :sentBefore',
            ExpressionAttributeValues: { ':bucket': bucket, ':before': createdBefore, ':sentSince': sent.since, ':sentBefore': sent.before },
          }
        : { ExpressionAttributeValues: { ':bucket': bucket, ':before': createdBefore } }),
      Limit: 100,
    })) {
      total += await this.publishAll((page.Items ?? []).map((item) => toPublication(item as OutboxRow)));
    }
    return total;
  }

  private async markSent(key: string): Promise<void> {
    const now = this.deps.now();
    await this.deps.documents.send(
      new UpdateCommand({
        TableName: this.deps.tableName,
        Key: { pk: key, sk: 'OUTBOX' },
        UpdateExpression: 'SET outboxBucket = :bucket, sentAt = :now, #ttl = :expires',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':bucket': sentBucket(now),
          ':now': now.toISOString(),
          ':expires': epochSeconds(addSeconds(now, RETENTION_SECONDS)),
        },
      }),
    );
  }
}
