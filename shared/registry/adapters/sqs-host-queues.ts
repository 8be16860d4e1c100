import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  QueueDoesNotExist,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { NotFoundError, ValidationError } from '#platform/errors.ts';
import type { Host } from '../domain/host.ts';
import type { HostQueues, ReceivedMessage } from '../ports.ts';

const SQS_BATCH_MAX = 10;

/** The attributes every host queue gets, at registration and when the local runtime rebuilds it. */
export const hostQueueAttributes = {
  SqsManagedSseEnabled: 'true',
  VisibilityTimeout: '60',
  ReceiveMessageWaitTimeSeconds: '20',
  MessageRetentionPeriod: String(4 * 24 * 3600),
} as const;

const parse = (body: string | undefined): unknown => {
  try {
    return JSON.parse(body ?? 'null');
  } catch {
    return body;
  }
};

export class SqsHostQueues implements HostQueues {
  private readonly urls = new Map<string, string>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly queuePrefix: string,
  ) {}

  nameOf(hostId: string): string {
    return `${this.queuePrefix}${hostId}`;
  }

  async create(host: Pick<Host, 'hostId' | 'providerId'>): Promise<void> {
    const { QueueUrl } = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: this.nameOf(host.hostId),
        Attributes: hostQueueAttributes,
        tags: { 'gpuhive:host': host.hostId, 'gpuhive:provider': host.providerId },
      }),
    );
    if (QueueUrl) this.urls.set(host.hostId, QueueUrl);
  }

  async remove(hostId: string): Promise<void> {
    try {
      await this.sqs.send(new DeleteQueueCommand({ QueueUrl: await this.urlOf(hostId) }));
    } catch (error) {
      // Already gone (a concurrent deregistration, or the sweep): the goal is reached.
      if (!(error instanceof NotFoundError) && !(error instanceof QueueDoesNotExist)) throw error;
    }
    this.urls.delete(hostId);
  }

  async urlOf(hostId: string): Promise<string> {
    const cached = this.urls.get(hostId);
    if (cached) return cached;
    try {
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: this.nameOf(hostId) }));
      if (!QueueUrl) throw new NotFoundError('The host has no assignment queue.');
      this.urls.set(hostId, QueueUrl);
      return QueueUrl;
    } catch (error) {
      if (error instanceof QueueDoesNotExist) throw new NotFoundError('The host has no assignment queue.');
      throw error;
    }
  }

  /**
   * Runs `call` on the host's queue. A queue deleted after this instance cached its URL (the
   * host was deregistered by another function, while the agent's identity was still cached)
   * is a 404, as for a host that never had one, not a 500.
   */
  private async onQueue<T>(hostId: string, call: (queueUrl: string) => Promise<T>): Promise<T> {
    try {
      return await call(await this.urlOf(hostId));
    } catch (error) {
      if (!(error instanceof QueueDoesNotExist)) throw error;
      this.urls.delete(hostId);
      throw new NotFoundError('The host has no assignment queue.');
    }
  }

  async receive(hostId: string, waitSeconds: number): Promise<readonly ReceivedMessage[]> {
    const { Messages } = await this.onQueue(hostId, (QueueUrl) =>
      this.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: SQS_BATCH_MAX })));
    return (Messages ?? []).map((message) => ({ receipt: message.ReceiptHandle ?? '', message: parse(message.Body) }));
  }

  async ack(hostId: string, receipts: readonly string[]): Promise<void> {
    for (let start = 0; start < receipts.length; start += SQS_BATCH_MAX) {
      const batch = receipts.slice(start, start + SQS_BATCH_MAX);
      const { Failed } = await this.onQueue(hostId, (QueueUrl) =>
        this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl, Entries: batch.map((receipt, index) => ({ Id: String(index), ReceiptHandle: receipt })) }),
        ));
      if (!Failed || Failed.length === 0) continue;
      // A receipt the caller made up (SQS's sender fault) is bad input, named by its index; anything else is ours.
      if (Failed.every((failure) => failure.SenderFault)) {
        throw new ValidationError(Failed.map((failure) => ({ field: `receipts.${start + Number(failure.Id)}`, message: `is not a receipt SQS accepts (${failure.Code})` })));
      }
      throw new Error(`SQS refused ${Failed.length} acknowledgement(s): ${Failed.map((f) => f.Code).join(', ')}`);
    }
  }
}
