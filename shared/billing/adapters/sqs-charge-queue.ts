import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A usage event on its way to the charges FIFO queue: grouped by renter, deduplicated by event id. */
export interface ChargeMessage {
  /** The SQS record it came from, to report it failed. */
  readonly id: string;
  readonly renterId: string;
  readonly eventId: string;
  /** The EventBridge envelope as it arrived, unchanged. */
  readonly body: string;
}

/** SendMessageBatch takes ten entries a call. */
const SEND_BATCH = 10;

/**
 * Billing's FIFO queue of usage to charge (`billing-charges.fifo`). EventBridge can only give
 * an SQS FIFO target one fixed message group, so usage arrives on a standard queue and is
 * moved here with the renter as its group: one renter's charges run one at a time across
 * every container, different renters in parallel (issue 14).
 */
export class SqsChargeQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly sqs: SQSClient,
  ) {}

  /** Sends every message; returns the ids of those SQS did not take. */
  async send(messages: readonly ChargeMessage[]): Promise<string[]> {
    const batches: ChargeMessage[][] = [];
    for (let start = 0; start < messages.length; start += SEND_BATCH) batches.push(messages.slice(start, start + SEND_BATCH));
    const failed = await Promise.all(
      batches.map(async (batch) => {
        try {
          const { Failed = [] } = await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: batch.map((message, index) => ({
                Id: String(index),
                MessageBody: message.body,
                MessageGroupId: message.renterId,
                MessageDeduplicationId: message.eventId,
              })),
            }),
          );
          return Failed.map((entry) => batch[Number(entry.Id)]!.id);
        } catch {
          // The whole call failed: every message of it is retried by its source queue.
          return batch.map((message) => message.id);
        }
      }),
    );
    return failed.flat();
  }
}
