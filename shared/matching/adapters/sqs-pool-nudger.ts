import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { sendMessageBatches } from '#platform/sqs-batches.ts';
import { PLACE_GROUPS } from '../domain/place-groups.ts';
import type { PoolNudge, PoolNudger } from '../ports.ts';
import { placeBucketOf } from './items.ts';

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
    const unsent = await sendMessageBatches(this.sqs, this.queueUrl, nudges, (nudge) => ({
      MessageBody: JSON.stringify(poolNudgeMessage.parse({ group: nudge.group })),
      MessageGroupId: messageGroupOf(nudge.group),
      MessageDeduplicationId: nudge.deduplicationId,
    }));
    if (unsent.length > 0) {
      this.logger.warn('pool nudges not taken; the sweep places their jobs', { groups: unsent.map(({ item }) => item.group), error: unsent[0]!.error });
    }
    return unsent.map(({ item }) => item);
  }
}
