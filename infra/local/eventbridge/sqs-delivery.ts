/**
 * Sends matched events to SQS queue targets through the ordinary SQS client, so the
 * local queues (fauxqs) receive exactly what AWS would deliver.
 */
import { GetQueueUrlCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface SqsQueueArn {
  readonly region: string;
  readonly accountId: string;
  readonly queueName: string;
}

export interface SqsTarget {
  readonly arn: string;
  readonly messageGroupId?: string;
}

// Queue names are at most 80 characters, `.fifo` included.
const SQS_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([\w-]{1,80}|[\w-]{1,75}\.fifo)$/;

/** `arn:aws:sqs:us-east-1:000000000000:jobs` -> its parts; undefined for any other ARN. */
export const parseSqsQueueArn = (arn: string): SqsQueueArn | undefined => {
  const match = SQS_ARN.exec(arn);
  if (match === null) return undefined;
  const [, region = '', accountId = '', queueName = ''] = match;
  return { region, accountId, queueName };
};

export const isFifoQueueArn = (arn: string): boolean => arn.endsWith('.fifo');

/** SendMessageBatch's limits: 10 messages, 256 KiB of bodies in all. */
const BATCH_MAX_MESSAGES = 10;
const BATCH_MAX_BYTES = 256 * 1024;

interface Waiting {
  readonly eventId: string;
  readonly body: string;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Consecutive runs of at most 10 messages and 256 KiB, in order (a FIFO group keeps its order). */
export const sendBatches = <T extends { readonly bytes: number }>(waiting: readonly T[]): T[][] => {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const one of waiting) {
    if (batch.length > 0 && (batch.length === BATCH_MAX_MESSAGES || bytes + one.bytes > BATCH_MAX_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(one);
    bytes += one.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
};

export class SqsTargetDelivery {
  // Promises, so concurrent first deliveries to one queue share one GetQueueUrl.
  private readonly queueUrls = new Map<string, Promise<string>>();
  /** Deliveries asked for in this turn of the event loop, per target and message group. */
  private readonly waiting = new Map<string, { readonly target: SqsTarget; readonly messages: Waiting[] }>();

  constructor(private readonly sqs: SQSClient) {}

  /**
   * Resolves when SQS accepted the message. For FIFO queues the event id is the
   * deduplication id, as EventBridge does when content-based deduplication is off.
   *
   * Deliveries to one target asked for in the same turn of the event loop (a PutEvents of ten
   * events, or several PutEvents at once) go in one SendMessageBatch, in the order asked: on
   * AWS the bus delivers for free, here each SQS call costs this process a request's worth of
   * serialising, signing and HTTP, three per event with three rules.
   */
  deliver(target: SqsTarget, eventId: string, body: string): Promise<void> {
    const key = `${target.arn} ${target.messageGroupId ?? ''}`;
    return new Promise<void>((resolve, reject) => {
      let entry = this.waiting.get(key);
      if (entry === undefined) {
        entry = { target, messages: [] };
        this.waiting.set(key, entry);
        const messages = entry.messages;
        setImmediate(() => {
          this.waiting.delete(key);
          void this.flush(target, messages);
        });
      }
      entry.messages.push({ eventId, body, bytes: Buffer.byteLength(body), resolve, reject });
    });
  }

  private async flush(target: SqsTarget, messages: readonly Waiting[]): Promise<void> {
    let queueUrl: string;
    try {
      queueUrl = await this.queueUrlOf(target.arn);
    } catch (error) {
      for (const message of messages) message.reject(error as Error);
      return;
    }
    const fifo = isFifoQueueArn(target.arn);
    // One batch after another, so a FIFO group's messages arrive in the order asked.
    for (const batch of sendBatches(messages)) {
      try {
        const { Failed = [] } = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              MessageBody: message.body,
              MessageGroupId: fifo ? target.messageGroupId : undefined,
              MessageDeduplicationId: fifo ? message.eventId : undefined,
            })),
          }),
        );
        const failed = new Map(Failed.map((failure) => [failure.Id, failure]));
        batch.forEach((message, index) => {
          const failure = failed.get(String(index));
          if (failure) message.reject(new Error(`SQS refused the message: ${failure.Code ?? 'unknown'} ${failure.Message ?? ''}`.trim()));
          else message.resolve();
        });
      } catch (error) {
        for (const message of batch) message.reject(error as Error);
      }
    }
  }

  private queueUrlOf(arn: string): Promise<string> {
    const cached = this.queueUrls.get(arn);
    if (cached !== undefined) return cached;
    const lookup = this.lookUpQueueUrl(arn);
    this.queueUrls.set(arn, lookup);
    // A queue created after a failed lookup must be found on the next delivery.
    lookup.catch(() => this.queueUrls.delete(arn));
    return lookup;
  }

  private async lookUpQueueUrl(arn: string): Promise<string> {
    const queue = parseSqsQueueArn(arn);
    if (queue === undefined) throw new Error(`Not an SQS queue ARN: ${arn}`);
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queue.queueName }));
    if (QueueUrl === undefined) throw new Error(`SQS returned no URL for queue ${queue.queueName}`);
    return QueueUrl;
  }
}
