import type { ApiClient } from '#agent/api/client.ts';
import { SqsQueueClient, type QueueClient } from '#agent/api/sqs-queue.ts';
import { parseHostMessage, type HostMessage, type QueueCredentials, type QueuePollHealth } from '#agent/api/types.ts';
import { backoffDelay, sleep as defaultSleep, type Sleep } from '#agent/core/backoff.ts';
import { describeError } from '#agent/core/errors.ts';
import type { Logger } from '#agent/core/logger.ts';
import { isoTime } from '#agent/core/clock.ts';

export interface QueuePollerOptions {
  readonly logger: Logger;
  /** Long-poll wait, at most 20 (SQS's limit). */
  readonly waitSeconds?: number;
  /** Refresh the vended credentials this long before they expire (default 5 minutes). */
  readonly refreshBeforeMs?: number;
  /**
   * After this many polls in a row failed, for any reason, ask the API for new credentials and
   * the queue's endpoint again (default 3): the queue may have moved (a backend restarted on new
   * ports, a queue recreated under a new URL), not only expired. Also the count from which the
   * heartbeat reports the queue as failing.
   */
  readonly renewAfterFailures?: number;
  /**
   * The longest wait between failed polls (default 30 s): the back-off doubles from 1 s up to
   * it, so after the queue answers again the agent takes work at most this long later.
   */
  readonly retryCapMs?: number;
  readonly sleep?: Sleep;
  readonly now?: () => number;
  /** Seam: the queue client for the vended credentials. */
  readonly sqsFor?: (credentials: QueueCredentials) => QueueClient;
  /** Called when the poll starts or stops failing (what the heartbeat reports changed). */
  readonly onHealthChange?: (health: QueuePollHealth | undefined) => void;
}

/** The longest wait between failed queue polls unless `--queue-retry-max` says otherwise. */
export const DEFAULT_QUEUE_RETRY_CAP_MS = 30_000;

/** Messages return `true` once their effect is safe on disk: only then are they deleted. */
export type MessageHandler = (message: HostMessage) => Promise<boolean>;

/** SQS refused the credentials themselves: renewing at once is the only cure. */
const CREDENTIAL_ERRORS = /ExpiredToken|InvalidClientTokenId|AccessDenied|SignatureDoesNotMatch|UnrecognizedClient|InvalidAccessKeyId|InvalidSecurityToken/i;

/**
 * Long-polls the host's own SQS queue directly with the credentials the API vends, so an
 * idle host costs no Lambda time (ARCHITECTURE.md). Credentials are refreshed before they
 * expire, at once when SQS refuses them, and after a few failed polls of any kind.
 */
export class QueuePoller {
  private credentials: QueueCredentials | undefined;
  private client: QueueClient | undefined;
  private failures = 0;
  private failingSince: number | undefined;
  private reported = false;
  lastError: string | undefined;
  lastReceiveAt: number | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly options: QueuePollerOptions,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private get renewAfter(): number {
    return this.options.renewAfterFailures ?? 3;
  }

  /** What the heartbeat says of the poll: undefined while it works (or failed fewer than `renewAfterFailures` times). */
  health(): QueuePollHealth | undefined {
    if (this.failures < this.renewAfter || this.failingSince === undefined) return undefined;
    return { failingSince: isoTime(new Date(this.failingSince)), failures: this.failures, error: (this.lastError ?? 'unknown').slice(0, 500) };
  }

  private async ensureClient(): Promise<{ client: QueueClient; queueUrl: string }> {
    const refreshBefore = this.options.refreshBeforeMs ?? 5 * 60_000;
    if (!this.credentials || !this.client || Date.parse(this.credentials.expiresAt) - this.now() <= refreshBefore) {
      const previous = this.credentials;
      const credentials = await this.api.queueCredentials();
      this.credentials = credentials;
      this.client = (this.options.sqsFor ?? ((vended) => new SqsQueueClient(vended)))(credentials);
      const moved = previous && (previous.queueUrl !== credentials.queueUrl || previous.endpoint !== credentials.endpoint);
      this.options.logger.info(moved ? 'queue credentials vended; the queue moved' : 'queue credentials vended', {
        queue: credentials.queueUrl.split('/').pop(), ...(credentials.endpoint ? { endpoint: credentials.endpoint } : {}), expiresAt: credentials.expiresAt,
      });
    }
    return { client: this.client, queueUrl: this.credentials.queueUrl };
  }

  private succeeded(): void {
    this.lastReceiveAt = this.now();
    if (this.failures > 0) this.options.logger.info('queue reachable again', { afterFailures: this.failures });
    this.failures = 0;
    this.failingSince = undefined;
    this.lastError = undefined;
    if (this.reported) {
      this.reported = false;
      this.options.onHealthChange?.(undefined);
    }
  }

  private failed(error: unknown): number {
    this.lastError = describeError(error);
    this.failingSince ??= this.now();
    this.failures += 1;
    const renew = this.failures % this.renewAfter === 0 || CREDENTIAL_ERRORS.test(`${(error as { name?: string; code?: string }).code ?? ''} ${(error as { name?: string }).name ?? ''} ${this.lastError}`);
    if (renew) this.credentials = undefined;
    const delay = backoffDelay(this.failures - 1, { baseMs: 1000, capMs: this.options.retryCapMs ?? DEFAULT_QUEUE_RETRY_CAP_MS });
    this.options.logger.warn('queue poll failed; will retry', { attempt: this.failures, retryInMs: delay, ...(renew ? { renewing: 'credentials and endpoint' } : {}), error: this.lastError });
    const health = this.health();
    if (health && !this.reported) {
      this.reported = true;
      this.options.logger.error('assignments cannot reach this host: its queue poll keeps failing; the heartbeat tells the platform to place no work here', { since: health.failingSince, error: health.error });
      this.options.onHealthChange?.(health);
    }
    return delay;
  }

  /** Polls until `signal` aborts or `keepPolling` says no; `handle` decides what is deleted. */
  async run(signal: AbortSignal, handle: MessageHandler, keepPolling: () => boolean = () => true): Promise<void> {
    const sleep = this.options.sleep ?? defaultSleep;
    while (!signal.aborted && keepPolling()) {
      try {
        const { client } = await this.ensureClient();
        const messages = await client.receive({ waitSeconds: this.options.waitSeconds ?? 20, maxMessages: 10 }, signal);
        this.succeeded();
        for (const raw of messages) {
          const message = parseHostMessage(raw.body);
          const remove = message ? await handle(message) : true;
          if (!message) this.options.logger.warn('dropped a queue message that is not an assignment or a cancel', { body: raw.body.slice(0, 200) });
          if (remove) await client.delete(raw.receiptHandle);
        }
      } catch (error) {
        if (signal.aborted) return;
        await sleep(this.failed(error), signal);
      }
    }
  }

  close(): void {
    this.client = undefined;
  }
}
