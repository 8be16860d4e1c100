/**
 * Sends matched events to SQS queue targets through the ordinary SQS client, so the
 * local queues (fauxqs) receive exactly what AWS would deliver.
 */
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

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

export class SqsTargetDelivery {
  // Promises, so concurrent first deliveries to one queue share one GetQueueUrl.
  private readonly queueUrls = new Map<string, Promise<string>>();

  constructor(private readonly sqs: SQSClient) {}

  /**
   * Resolves when SQS accepted the message. For FIFO queues the event id is the
   * deduplication id, as EventBridge does when content-based deduplication is off.
   */
  async deliver(target: SqsTarget, eventId: string, body: string): Promise<void> {
    const queueUrl = await this.queueUrlOf(target.arn);
    const fifo = isFifoQueueArn(target.arn);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: fifo ? target.messageGroupId : undefined,
        MessageDeduplicationId: fifo ? eventId : undefined,
      }),
    );
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
