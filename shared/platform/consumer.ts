import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { Detail, EventDefinition } from '#events/define.ts';

/** What EventBridge delivers to a rule's SQS target. */
const envelope = z.object({ id: z.string(), source: z.string(), 'detail-type': z.string(), time: z.string(), detail: z.unknown() });
/** Several envelopes of one FIFO message group that their sender packed into one message, in order. */
const packedEvents = z.object({ events: z.array(z.unknown()).min(1) }).strict();

export interface ReceivedEvent<D extends EventDefinition = EventDefinition> {
  readonly definition: D;
  readonly detail: z.infer<D['schema']>;
  readonly record: SQSRecord;
}

/**
 * The one way to build an event consumer: each SQS record is parsed against the schema of
 * the event it carries, and handled on its own. A record that throws fails only itself
 * (partial batch response) and is retried; one that cannot be parsed fails every time and
 * so ends in the DLQ, whose alarm tells an operator. Handlers must be idempotent.
 */
export const eventConsumer = <D extends EventDefinition>(
  logger: Logger,
  definitions: readonly D[],
  handle: (event: ReceivedEvent<D>) => Promise<void>,
) => {
  const processor = new BatchProcessor(EventType.SQS);
  const bySource = new Map(definitions.map((definition) => [`${definition.SOURCE}|${definition.DETAIL_TYPE}`, definition]));
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const received = envelope.parse(JSON.parse(record.body));
    const definition = bySource.get(`${received.source}|${received['detail-type']}`);
    if (!definition) throw new Error(`This consumer does not take ${received.source} ${received['detail-type']}`);
    const detail = definition.schema.parse(received.detail) as z.infer<D['schema']>;
    logger.appendKeys({ eventId: (detail as { eventId: string }).eventId, detailType: definition.DETAIL_TYPE });
    try {
      await handle({ definition, detail, record });
    } finally {
      logger.removeKeys(['eventId', 'detailType']);
    }
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler((event, context) => processPartialResponse(event, handleRecord, processor, { context }));
};

/** One handler per event a consumer takes, keyed by its detail type, each given that event's own detail. */
export type EventHandlers<D extends EventDefinition> = {
  readonly [K in D as K['DETAIL_TYPE']]: (detail: Detail<K>, event: ReceivedEvent<K>) => Promise<void>;
};

/**
 * `eventConsumer` with typed dispatch: `handlers` names a handler for every event in
 * `definitions` (the compiler checks the keys), and each handler's `detail` has its event's
 * type, parsed by that event's schema, so no handler casts.
 */
export const dispatchEvents = <D extends EventDefinition>(logger: Logger, definitions: readonly D[], handlers: NoInfer<EventHandlers<D>>) => {
  const detailTypes = definitions.map((definition) => definition.DETAIL_TYPE);
  const repeated = detailTypes.find((type, index) => detailTypes.indexOf(type) !== index);
  if (repeated) throw new Error(`Two events of this consumer share the detail type ${repeated}: dispatch by detail type cannot tell them apart`);
  // The consumer parsed `detail` with `definition`'s own schema: the handler keyed by its detail type takes exactly that shape.
  const handlerOf = (definition: D) =>
    (handlers as unknown as Record<string, (detail: unknown, event: ReceivedEvent<D>) => Promise<void>>)[definition.DETAIL_TYPE]!;
  return eventConsumer(logger, definitions, (event) => handlerOf(event.definition)(event.detail, event));
};

/**
 * A consumer of work a function sent to a queue itself (not bus events): each record's body
 * is JSON parsed with `schema` and handled on its own, with the same partial batch response.
 */
export const queueConsumer = <S extends z.ZodType>(logger: Logger, schema: S, handle: (message: z.infer<S>, record: SQSRecord) => Promise<void>) => {
  const processor = new BatchProcessor(EventType.SQS);
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const message = schema.parse(JSON.parse(record.body)) as z.infer<S>;
    await handle(message, record);
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler((event, context) => processPartialResponse(event, handleRecord, processor, { context }));
};

/** A FIFO batch's records by message group, each group's in order (a record without a group is its own). */
export const recordsByMessageGroup = (records: readonly SQSRecord[]): SQSRecord[][] => {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(group, [...(groups.get(group) ?? []), record]);
  }
  return [...groups.values()];
};

/**
 * A FIFO queue's batch (Lambda hands up to 10 records, from one or more message groups, each
 * group's in order), handled run by run: `runs` cuts each group's parsed records into runs of
 * consecutive records, `handleRun` takes one run at a time. A group's runs go one after
 * another, in order; groups run concurrently (Powertools' FIFO processors take groups one
 * after another, which wastes a batch of several renters). When a run fails (or a record does
 * not parse), its records and every later record of its group are reported failed and come
 * back in order; other groups go on. A record may carry several events of its group, packed
 * by its sender as `{"events":[envelope, ...]}`: they join runs as records of their own would,
 * and fail with their record.
 */
const fifoRunConsumer = <D extends EventDefinition>(
  logger: Logger,
  definitions: readonly D[],
  sameRun: (previous: ReceivedEvent<D>, next: ReceivedEvent<D>) => boolean,
  handleRun: (run: readonly ReceivedEvent<D>[]) => Promise<void>,
) => {
  const bySource = new Map(definitions.map((definition) => [`${definition.SOURCE}|${definition.DETAIL_TYPE}`, definition]));
  const parseOne = (body: unknown, record: SQSRecord): ReceivedEvent<D> => {
    const received = envelope.parse(body);
    const definition = bySource.get(`${received.source}|${received['detail-type']}`);
    if (!definition) throw new Error(`This consumer does not take ${received.source} ${received['detail-type']}`);
    const detail = definition.schema.parse(received.detail) as z.infer<D['schema']>;
    return { definition, detail, record };
  };
  /** A record carries one event, or several of its group packed by their sender (`{"events":[...]}`, in order). */
  const parse = (record: SQSRecord): ReceivedEvent<D>[] => {
    const body: unknown = JSON.parse(record.body);
    const packed = packedEvents.safeParse(body);
    return packed.success ? packed.data.events.map((event) => parseOne(event, record)) : [parseOne(body, record)];
  };
  const failFrom = (records: readonly SQSRecord[], index: number, error: unknown): string[] => {
    const record = records[index] as SQSRecord;
    logger.error('record failed; it and the rest of its message group will be retried', { messageId: record.messageId, messageGroupId: record.attributes.MessageGroupId, error });
    return records.slice(index).map((failed) => failed.messageId);
  };
  const handleGroup = async (records: readonly SQSRecord[]): Promise<string[]> => {
    let run: ReceivedEvent<D>[] = [];
    let runStart = 0;
    const flush = async (): Promise<string[]> => {
      if (run.length === 0) return [];
      try {
        await handleRun(run);
      } catch (error) {
        return failFrom(records, runStart, error);
      }
      run = [];
      return [];
    };
    for (const [index, record] of records.entries()) {
      let received: ReceivedEvent<D>[];
      try {
        received = parse(record);
      } catch (error) {
        const failed = await flush();
        return failed.length > 0 ? failed : failFrom(records, index, error);
      }
      for (const event of received) {
        const last = run.at(-1);
        if (last && !sameRun(last, event)) {
          const failed = await flush();
          if (failed.length > 0) return failed;
        }
        if (run.length === 0) runStart = index;
        run.push(event);
      }
    }
    return flush();
  };
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler(async (event) => {
      const failed = (await Promise.all(recordsByMessageGroup(event.Records).map(handleGroup))).flat();
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    });
};

/** `eventConsumer` for a FIFO queue (`fifoRunConsumer`): each record is a run of its own. */
export const fifoEventConsumer = <D extends EventDefinition>(
  logger: Logger,
  definitions: readonly D[],
  handle: (event: ReceivedEvent<D>) => Promise<void>,
) => fifoRunConsumer(logger, definitions, () => false, async ([event]) => handle(event as ReceivedEvent<D>));

/** `dispatchEvents` over a FIFO queue (`fifoEventConsumer`): one typed handler per detail type. */
export const fifoDispatchEvents = <D extends EventDefinition>(logger: Logger, definitions: readonly D[], handlers: NoInfer<EventHandlers<D>>) => {
  const byType = handlers as unknown as Record<string, (detail: unknown, event: ReceivedEvent<D>) => Promise<void>>;
  return fifoEventConsumer(logger, definitions, (event) => byType[event.definition.DETAIL_TYPE]!(event.detail, event));
};

/** One handler per event a FIFO consumer takes, given a run of that event's details (in order). */
export type EventRunHandlers<D extends EventDefinition> = {
  readonly [K in D as K['DETAIL_TYPE']]: (details: readonly Detail<K>[], events: readonly ReceivedEvent<K>[]) => Promise<void>;
};

/**
 * `fifoDispatchEvents` that hands over runs: each message group's consecutive records of one
 * detail type go to that type's handler together, in order (a charger that writes a renter's
 * several chunks in one transaction). A run fails or succeeds whole.
 */
export const fifoDispatchEventRuns = <D extends EventDefinition>(logger: Logger, definitions: readonly D[], handlers: NoInfer<EventRunHandlers<D>>) => {
  const byType = handlers as unknown as Record<string, (details: readonly unknown[], events: readonly ReceivedEvent<D>[]) => Promise<void>>;
  return fifoRunConsumer(
    logger,
    definitions,
    (previous, next) => previous.definition.DETAIL_TYPE === next.definition.DETAIL_TYPE,
    (run) => byType[(run[0] as ReceivedEvent<D>).definition.DETAIL_TYPE]!(run.map((event) => event.detail), run),
  );
};

/**
 * Handles every event of one detail type in an SQS batch together (`dispatchEventBatches`).
 * Returns the message ids of the records that failed, or nothing when all succeeded; a throw
 * fails every record it was given. Applying the same events again must change nothing.
 */
export type EventBatchHandler<K extends EventDefinition> = (events: readonly ReceivedEvent<K>[]) => Promise<readonly string[] | void>;

export type EventBatchHandlers<D extends EventDefinition> = {
  readonly [K in D as K['DETAIL_TYPE']]: EventBatchHandler<K>;
};

/** A batch handler that takes its events one at a time, each failing only itself (as `dispatchEvents` does); `definition` types `detail`. */
export const eachOnItsOwn =
  <K extends EventDefinition>(logger: Logger, _definition: K, handle: (detail: Detail<K>, event: ReceivedEvent<K>) => Promise<void>): EventBatchHandler<K> =>
  async (received) => {
    const failed = await Promise.all(
      received.map(async (event) => {
        try {
          await handle(event.detail, event);
          return [];
        } catch (error) {
          logger.error('record failed; it will be retried', { messageId: event.record.messageId, detailType: event.definition.DETAIL_TYPE, error });
          return [event.record.messageId];
        }
      }),
    );
    return failed.flat();
  };

/**
 * `dispatchEvents` for consumers that write a whole SQS batch at once (issue 14: one write per
 * batch instead of one per event): the records of each detail type go to its handler together.
 * Detail types are handled one after another in the order of `definitions`, so a handler may
 * rely on an earlier type's writes (a lease's shell before its start). A record that cannot be
 * parsed fails alone and ends in the DLQ, as with `eventConsumer`.
 */
export const dispatchEventBatches = <D extends EventDefinition>(logger: Logger, definitions: readonly D[], handlers: NoInfer<EventBatchHandlers<D>>) => {
  const bySource = new Map(definitions.map((definition) => [`${definition.SOURCE}|${definition.DETAIL_TYPE}`, definition]));
  const handlerOf = (definition: D) => (handlers as unknown as Record<string, EventBatchHandler<D>>)[definition.DETAIL_TYPE]!;
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .handler(async (event) => {
      const failed: string[] = [];
      const byType = new Map<D, ReceivedEvent<D>[]>();
      for (const record of event.Records) {
        try {
          const received = envelope.parse(JSON.parse(record.body));
          const definition = bySource.get(`${received.source}|${received['detail-type']}`);
          if (!definition) throw new Error(`This consumer does not take ${received.source} ${received['detail-type']}`);
          const detail = definition.schema.parse(received.detail) as z.infer<D['schema']>;
          byType.set(definition, [...(byType.get(definition) ?? []), { definition, detail, record }]);
        } catch (error) {
          logger.error('record cannot be parsed; it will end in the DLQ', { messageId: record.messageId, error });
          failed.push(record.messageId);
        }
      }
      for (const definition of definitions) {
        const received = byType.get(definition);
        if (!received) continue;
        try {
          failed.push(...((await handlerOf(definition)(received)) ?? []));
        } catch (error) {
          logger.error('batch failed; its records will be retried', { detailType: definition.DETAIL_TYPE, records: received.length, error });
          failed.push(...received.map((one) => one.record.messageId));
        }
      }
      return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
    });
};
