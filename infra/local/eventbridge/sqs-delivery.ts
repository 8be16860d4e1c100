/**
 * Sends matched events to SQS queue targets through the ordinary SQS client, so the
 * local queues (fauxqs) receive exactly what AWS would deliver.
 */
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sendMessageBatches } from '#platform/sqs-batches.ts';

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

interface Waiting {
  readonly eventId: string;
  readonly body: string;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

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
      entry.messages.push({ eventId, body, resolve, reject });
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
    // One call after another, so a FIFO group's messages arrive in the order asked.
    const unsent = await sendMessageBatches(
      this.sqs,
      queueUrl,
      messages,
      (message) => ({ MessageBody: message.body, ...(fifo ? { MessageGroupId: target.messageGroupId, MessageDeduplicationId: message.eventId } : {}) }),
      { inOrder: true },
    );
    const refused = new Map(unsent.map(({ item, error }) => [item, error]));
    for (const message of messages) {
      const error = refused.get(message);
      if (error) message.reject(error);
      else message.resolve();
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
