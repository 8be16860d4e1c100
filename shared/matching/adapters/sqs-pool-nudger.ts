import type { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { PLACE_GROUPS } from '../domain/place-groups.ts';
import type { PoolNudge, PoolNudger } from '../ports.ts';
import { placeBucketOf } from './items.ts';

/** SendMessageBatch takes ten entries a call. */
const SEND_BATCH = 10;

/** A nudge's body on the queue. */
export const poolNudgeMessage = z.object({
  group: z.number().int().min(0).max(PLACE_GROUPS - 1),
});

/** The message group of a placement group: the name of its work index partition. */
export const messageGroupOf = (group: number): string => placeBucketOf(group);

/**
 * Matching's FIFO queue of placement nudges (`matching-pools.fifo`): one message group per
 * placement group, so one matcher works a group at a time and the groups run in parallel.
 */
export class SqsPoolNudger implements PoolNudger {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient,
    private readonly logger: Logger,
  ) {}

  /** Returns (and logs) the nudges SQS did not take: the caller retries them, or the minute sweep places their jobs. */
  async nudge(nudges: readonly PoolNudge[]): Promise<readonly PoolNudge[]> {
    const batches: PoolNudge[][] = [];
    for (let start = 0; start < nudges.length; start += SEND_BATCH) batches.push(nudges.slice(start, start + SEND_BATCH));
    const failed = await Promise.all(
      batches.map(async (batch) => {
        try {
          const { Failed = [] } = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: batch.map((nudge, index) => ({
                Id: String(index),
                MessageBody: JSON.stringify(poolNudgeMessage.parse({ group: nudge.group })),
                MessageGroupId: messageGroupOf(nudge.group),
                MessageDeduplicationId: nudge.deduplicationId,
              })),
            }),
          );
          return Failed.map((entry) => batch[Number(entry.Id)] as PoolNudge);
        } catch (error) {
          this.logger.warn('pool nudges not sent', { groups: batch.map((nudge) => nudge.group), error: error as Error });
          return batch;
        }
      }),
    );
    const lost = failed.flat();
    if (lost.length > 0) this.logger.warn('pool nudges not taken; the sweep places their jobs', { groups: lost.map((nudge) => nudge.group) });
    return lost;
  }
}
