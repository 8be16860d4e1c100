import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, makeMatchingDeps } from '#matching/adapters/deps.ts';
import { poolNudgeMessage } from '#matching/adapters/sqs-pool-nudger.ts';
import { placeNudgedGroup } from '#matching/use-cases/pool-nudges.ts';
import { recordsByMessageGroup } from '#platform/consumer.ts';

const deps = makeMatchingDeps();

/** One message group's records (a placement group's nudges): its head is placed once for all of them, or they all come back. */
const handleGroup = async (records: readonly SQSRecord[]): Promise<string[]> => {
  try {
    const nudges = records.map((record) => poolNudgeMessage.parse(JSON.parse(record.body)));
    const group = (nudges[0] as (typeof nudges)[number]).group;
    logger.appendKeys({ placeGroup: group });
    const { placedHead } = await placeNudgedGroup(group, deps);
    if (placedHead > 0) logger.info('placed the group\'s head', { placed: placedHead });
    return [];
  } catch (error) {
    logger.error('nudges failed; they and the rest of their group will be retried', { messageGroupId: records[0]?.attributes.MessageGroupId, error });
    return records.map((record) => record.messageId);
  }
};

/**
 * The `matching-pools` FIFO queue: one placement group's nudges at a time across every
 * container, different groups in parallel (use-cases/pool-nudges.ts): the group's head is
 * placed in batches. Handling a nudge twice places nothing twice: placement moves only queued,
 * funded jobs.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler(async (event) => {
    // Groups one after another: a process's placements take turns anyway (CandidateCache.exclusive).
    const failed: string[] = [];
    for (const records of recordsByMessageGroup(event.Records)) failed.push(...(await handleGroup(records)));
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  });
