import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { EventDefinition } from '#events/define.ts';

/** What EventBridge delivers to a rule's SQS target. */
const envelope = z.object({ id: z.string(), source: z.string(), 'detail-type': z.string(), time: z.string(), detail: z.unknown() });

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
