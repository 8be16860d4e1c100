import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ApiClient } from '#agent/api/client.ts';
import { parseHostMessage, type HostMessage, type QueueCredentials } from '#agent/api/types.ts';
import { backoffDelay, sleep as defaultSleep, type Sleep } from '#agent/core/backoff.ts';
import { describeError } from '#agent/core/errors.ts';
import type { Logger } from '#agent/core/logger.ts';

export interface QueuePollerOptions {
  readonly logger: Logger;
  /** Long-poll wait, at most 20 (SQS's limit). */
  readonly waitSeconds?: number;
  /** Refresh the vended credentials this long before they expire (default 5 minutes). */
  readonly refreshBeforeMs?: number;
  readonly sleep?: Sleep;
  readonly now?: () => number;
  /** Seam: builds the SQS client from the vended credentials. */
  readonly sqsFor?: (credentials: QueueCredentials) => Pick<SQSClient, 'send' | 'destroy'>;
}

/** Messages return `true` once their effect is safe on disk: only then are they deleted. */
export type MessageHandler = (message: HostMessage) => Promise<boolean>;

const CREDENTIAL_ERRORS = /ExpiredToken|InvalidClientTokenId|AccessDenied|SignatureDoesNotMatch|UnrecognizedClient|InvalidAccessKeyId/i;

export const sqsClientFor = (credentials: QueueCredentials): SQSClient =>
  new SQSClient({
    region: credentials.region,
    credentials: credentials.credentials,
    ...(credentials.endpoint ? { endpoint: credentials.endpoint, useQueueUrlAsEndpoint: false } : {}),
    maxAttempts: 1,
  });

/**
 * Long-polls the host's own SQS queue directly with the credentials the API vends, so an
 * idle host costs no Lambda time (ARCHITECTURE.md). Credentials are refreshed before they
 * expire, and at once when SQS refuses them.
 */
export class QueuePoller {
  private credentials: QueueCredentials | undefined;
  private client: Pick<SQSClient, 'send' | 'destroy'> | undefined;
  private failures = 0;
  lastError: string | undefined;
  lastReceiveAt: number | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly options: QueuePollerOptions,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async ensureClient(): Promise<{ client: Pick<SQSClient, 'send' | 'destroy'>; queueUrl: string }> {
    const refreshBefore = this.options.refreshBeforeMs ?? 5 * 60_000;
    if (!this.credentials || !this.client || Date.parse(this.credentials.expiresAt) - this.now() <= refreshBefore) {
      const credentials = await this.api.queueCredentials();
      this.client?.destroy();
      this.credentials = credentials;
      this.client = (this.options.sqsFor ?? sqsClientFor)(credentials);
      this.options.logger.info('queue credentials vended', { queue: credentials.queueUrl.split('/').pop(), expiresAt: credentials.expiresAt });
    }
    return { client: this.client, queueUrl: this.credentials.queueUrl };
  }

  /** Polls until `signal` aborts or `keepPolling` says no; `handle` decides what is deleted. */
  async run(signal: AbortSignal, handle: MessageHandler, keepPolling: () => boolean = () => true): Promise<void> {
    const sleep = this.options.sleep ?? defaultSleep;
    while (!signal.aborted && keepPolling()) {
      try {
        const { client, queueUrl } = await this.ensureClient();
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: this.options.waitSeconds ?? 20, MaxNumberOfMessages: 10 }),
          { abortSignal: signal },
        );
        this.lastReceiveAt = this.now();
        if (this.failures > 0) this.options.logger.info('queue reachable again', { afterFailures: this.failures });
        this.failures = 0;
        this.lastError = undefined;
        for (const raw of Messages) {
          const message = raw.Body ? parseHostMessage(raw.Body) : undefined;
          const remove = message ? await handle(message) : true;
          if (!message) this.options.logger.warn('dropped a queue message that is not an assignment or a cancel', { body: raw.Body?.slice(0, 200) });
          if (remove && raw.ReceiptHandle) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: raw.ReceiptHandle }));
        }
      } catch (error) {
        if (signal.aborted) return;
        this.lastError = describeError(error);
        if (CREDENTIAL_ERRORS.test(`${(error as { name?: string }).name} ${this.lastError}`)) this.credentials = undefined;
        const delay = backoffDelay(this.failures, { baseMs: 1000, capMs: 30_000 });
        this.failures += 1;
        this.options.logger.warn('queue poll failed; will retry', { attempt: this.failures, retryInMs: delay, error: this.lastError });
        await sleep(delay, signal);
      }
    }
  }

  close(): void {
    this.client?.destroy();
  }
}
