import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { logger } from '#billing/adapters/deps.ts';
import { SqsChargeQueue, type ChargeMessage } from '#billing/adapters/sqs-charge-queue.ts';
import { BillingEnv, chargeRouterConfig } from '#billing/config.ts';
import { events } from '#events/index.ts';
import { sqsClient } from '#platform/aws-clients.ts';

const config = chargeRouterConfig();
const queue = new SqsChargeQueue(config[BillingEnv.chargesQueueUrl], sqsClient());

const TAKEN = [events.usageChunkRecorded, events.usageRecorded];
const envelope = z.object({ source: z.string(), 'detail-type': z.string(), detail: z.unknown() });

/** The record as a message for the charges queue; throws for anything that is not usage billing takes. */
const toMessage = (record: SQSRecord): ChargeMessage => {
  const received = envelope.parse(JSON.parse(record.body));
  const definition = TAKEN.find((candidate) => candidate.SOURCE === received.source && candidate.DETAIL_TYPE === received['detail-type']);
  if (!definition) throw new Error(`billing-usage does not take ${received.source} ${received['detail-type']}`);
  const detail = definition.schema.parse(received.detail) as { eventId: string; renterId: string };
  return { id: record.messageId, renterId: detail.renterId, eventId: detail.eventId, body: record.body };
};

/**
 * `usage.chunk_recorded` (and `usage.recorded`, from before chunks) -> the charges FIFO queue,
 * grouped by renter (shared/billing/adapters/sqs-charge-queue.ts says why). A record that does
 * not parse fails every time and so ends in the DLQ; one SQS did not take is retried.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    const failed: string[] = [];
    const messages: ChargeMessage[] = [];
    for (const record of event.Records) {
      try {
        messages.push(toMessage(record));
      } catch (error) {
        logger.error('usage event refused', { messageId: record.messageId, error });
        failed.push(record.messageId);
      }
    }
    failed.push(...(await queue.send(messages)));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
