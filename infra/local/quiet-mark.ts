import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * The local queues live in memory: a restart loses whatever was in them, and the runtime makes
 * up for it by sending recent events again (consumers are idempotent). How recent? The runtime
 * notes, in the data dir, the last moment it saw every shared queue and dead-letter queue empty
 * with nothing in flight: every event sent before that moment had already been consumed, so a
 * restart resends only what was sent after it. A restart after a quiet stop resends nothing; a
 * crash mid-flow resends the events of the last busy stretch; a data dir without the note
 * (older runtimes) falls back to the last two days, as the outbox keeps them.
 */
export const QUIET_MARK_FILE = 'queues-quiet-at';

/** Events sent within this of the mark are sent again too: the check and the send may overlap. */
export const QUIET_MARK_MARGIN_MS = 5_000;
/** The outbox keeps sent events two days: nothing older can be sent again. */
export const RESEND_WINDOW_MS = 48 * 3600 * 1000;

const COUNTS = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;

export const readQuietMark = (dataDir: string): Date | undefined => {
  const file = join(dataDir, QUIET_MARK_FILE);
  if (!existsSync(file)) return undefined;
  const at = new Date(readFileSync(file, 'utf8').trim());
  return Number.isNaN(at.getTime()) ? undefined : at;
};

/** From when a start must send events again: shortly before the mark, never before the outbox's window. */
export const resendSince = (mark: Date | undefined, now: Date): Date => {
  const oldest = now.getTime() - RESEND_WINDOW_MS;
  return new Date(mark ? Math.max(oldest, mark.getTime() - QUIET_MARK_MARGIN_MS) : oldest);
};

/** Whether every queue is empty, with nothing in flight and nothing delayed. */
export const queuesQuiet = async (sqs: SQSClient, queueUrls: readonly string[]): Promise<boolean> => {
  const counts = await Promise.all(
    queueUrls.map(async (QueueUrl) => {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...COUNTS] }));
      return COUNTS.reduce((sum, name) => sum + Number(Attributes?.[name] ?? 0), 0);
    }),
  );
  return counts.every((count) => count === 0);
};

export interface QuietWatch {
  /** One last look (call it once the consumers stopped), then no more. */
  stop(): Promise<void>;
}

/** Looks at the queues every `everyMs` and writes the mark whenever they are quiet. */
export const watchQueuesQuiet = (options: {
  readonly sqs: SQSClient;
  readonly queueUrls: readonly string[];
  readonly dataDir: string;
  readonly everyMs?: number;
  readonly log: (line: string) => void;
}): QuietWatch => {
  const look = async (): Promise<void> => {
    const lookedAt = new Date();
    try {
      if (await queuesQuiet(options.sqs, options.queueUrls)) writeFileSync(join(options.dataDir, QUIET_MARK_FILE), `${lookedAt.toISOString()}\n`);
    } catch (error) {
      // A missed look only makes the next restart resend more.
      options.log(`could not check the queues: ${(error as Error).message}`);
    }
  };
  let looking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    looking = looking.then(look);
  }, options.everyMs ?? 5_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await looking;
      await look();
    },
  };
};
