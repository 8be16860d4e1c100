import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { nudgesForFundsHeld } from '#matching/use-cases/pool-nudges.ts';

const deps = makeMatchingDeps();
const pools = deps.pools;
if (!pools) throw new Error('route-funds-held-to-pools sends to the matching-pools queue: its URL is not set');

const envelope = z.object({ source: z.literal(events.fundsHeld.SOURCE), 'detail-type': z.literal(events.fundsHeld.DETAIL_TYPE), detail: z.unknown() });
const toHeld = (record: SQSRecord) => {
  const held = events.fundsHeld.schema.parse(envelope.parse(JSON.parse(record.body)).detail);
  return { jobId: held.jobId, eventId: held.eventId, messageId: record.messageId };
};

/**
 * `funds.held` -> the `matching-pools` FIFO queue, in the job's placement group, deduplicated
 * by the event id (EventBridge gives a FIFO target one fixed message group only; the group's
 * consumer, place-nudged-pool-jobs.ts, makes the job placeable and places it). A record that
 * does not parse fails every time and ends in the DLQ; one SQS did not take is retried.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    const failed: string[] = [];
    const held: ReturnType<typeof toHeld>[] = [];
    for (const record of event.Records) {
      try {
        held.push(toHeld(record));
      } catch (error) {
        logger.error('funds.held refused', { messageId: record.messageId, error });
        failed.push(record.messageId);
      }
    }
    const nudges = await nudgesForFundsHeld(held, deps);
    const lost = new Set((await pools.nudge(nudges)).map((nudge) => nudge.deduplicationId));
    failed.push(...held.filter((one) => lost.has(one.eventId)).map((one) => one.messageId));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
