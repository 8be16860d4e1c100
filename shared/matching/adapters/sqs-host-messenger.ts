import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { sendMessageBatches } from '#platform/sqs-batches.ts';
import type { HostMessage } from '../domain/messages.ts';
import type { HostMessenger } from '../ports.ts';

/**
 * Sends assignments and cancels to each host's own queue. A message that cannot be sent is
 * logged and left to the resend sweep (the job records when it last sent each one).
 *
 * Queue URLs: every host queue lives in one account and region, so its URL is a common base
 * followed by the queue's name. The first lookup learns the base; every later URL is built
 * from it, without a GetQueueUrl per host (a fleet of hosts would otherwise cost one call per
 * host per container). A queue that does not exist fails its send as the lookup would have.
 */
export class SqsHostMessenger implements HostMessenger {
  private base: string | undefined;
  private learning: Promise<void> | undefined;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queuePrefix: string,
    private readonly logger: Logger,
  ) {}

  async send(messages: readonly HostMessage[]): Promise<void> {
    const byHost = new Map<string, HostMessage[]>();
    for (const message of messages) byHost.set(message.hostId, [...(byHost.get(message.hostId) ?? []), message]);
    await Promise.all([...byHost].map(([hostId, batch]) => this.sendToHost(hostId, batch)));
  }

  private async sendToHost(hostId: string, messages: readonly HostMessage[]): Promise<void> {
    let queueUrl: string;
    try {
      queueUrl = await this.urlOf(hostId);
    } catch (error) {
      this.logger.warn('host messages not sent; the sweep resends them', { hostId, error: error as Error });
      return;
    }
    // One call after another, as the messages were decided.
    const unsent = await sendMessageBatches(this.sqs, queueUrl, messages, (entry) => ({ MessageBody: JSON.stringify(entry.message) }), { inOrder: true });
    if (unsent.length > 0) this.logger.warn('some host messages were not sent; the sweep resends them', { hostId, failed: unsent.length, error: unsent[0]!.error });
  }

  private async urlOf(hostId: string): Promise<string> {
    const name = `${this.queuePrefix}${hostId}`;
    // Concurrent first sends wait for one lookup rather than each making its own.
    if (this.base === undefined) await (this.learning ??= this.learnBase(name).finally(() => (this.learning = undefined)));
    if (this.base !== undefined) return `${this.base}${name}`;
    return this.lookUp(name);
  }

  /** Learns the base from one queue's URL; a failed lookup leaves it to each caller's own. */
  private async learnBase(name: string): Promise<void> {
    try {
      const url = await this.lookUp(name);
      if (url.endsWith(`/${name}`)) this.base = url.slice(0, url.length - name.length);
    } catch {
      // That host's queue may be gone; the callers look their own queues up.
    }
  }

  private async lookUp(name: string): Promise<string> {
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`No queue ${name}`);
    return QueueUrl;
  }
}
