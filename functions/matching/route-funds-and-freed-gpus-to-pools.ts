import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { events } from '#events/index.ts';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import type { PoolNudge } from '#matching/ports.ts';
import { nudgesForAssignmentEnded, nudgesForFundsHeld } from '#matching/use-cases/pool-nudges.ts';

const deps = makeMatchingDeps();
const pools = deps.pools;
if (!pools) throw new Error('route-funds-and-freed-gpus-to-pools sends to the matching-pools queue: its URL is not set');

const envelope = z.object({ source: z.string(), 'detail-type': z.string(), detail: z.unknown() });
const isEvent = (received: z.infer<typeof envelope>, definition: { SOURCE: string; DETAIL_TYPE: string }) =>
  received.source === definition.SOURCE && received['detail-type'] === definition.DETAIL_TYPE;

/** The nudges one record makes; throws for anything that is not an event this router takes. */
const nudgesOf = async (record: SQSRecord): Promise<PoolNudge[]> => {
  const received = envelope.parse(JSON.parse(record.body));
  if (isEvent(received, events.fundsHeld)) {
    const held = events.fundsHeld.schema.parse(received.detail);
    return nudgesForFundsHeld([held], deps);
  }
  if (isEvent(received, events.assignmentEnded)) return nudgesForAssignmentEnded(events.assignmentEnded.schema.parse(received.detail), deps);
  throw new Error(`matching-pool-nudges does not take ${received.source} ${received['detail-type']}`);
};

/**
 * `funds.held` and `assignment.ended` (freed GPUs) -> nudges on the `matching-pools` FIFO
 * queue, in the placement group of the job or of the pools the GPUs serve, deduplicated by the
 * event id (EventBridge gives a FIFO target one fixed message group only). The group's consumer
 * (place-nudged-pool-jobs.ts) places them. A record that does not parse fails every time and
 * ends in the DLQ; one whose nudges SQS did not take is retried.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    const failed: string[] = [];
    const sourceOf = new Map<string, string>();
    // Read in parallel, sent in the records' order.
    const routed = await Promise.all(
      event.Records.map(async (record) => {
        try {
          return await nudgesOf(record);
        } catch (error) {
          logger.error('event not routed to the pools queue', { messageId: record.messageId, error });
          failed.push(record.messageId);
          return [];
        }
      }),
    );
    const nudges = routed.flatMap((ofRecord, index) => {
      for (const nudge of ofRecord) sourceOf.set(nudge.deduplicationId, (event.Records[index] as SQSRecord).messageId);
      return ofRecord;
    });
    for (const lost of await pools.nudge(nudges)) failed.push(sourceOf.get(lost.deduplicationId) as string);
    return { batchItemFailures: [...new Set(failed)].map((itemIdentifier) => ({ itemIdentifier })) };
  });
