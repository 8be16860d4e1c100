import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueDef } from '../topology.ts';
import { functionName, invokeHandler } from './handlers.ts';
import { sizingOf } from '../constructs/sizing.ts';
import { lambdaContext } from './lambda-context.ts';
import { reportQueueHop, tracingQueueHops } from './stage-trace.ts';

const toRecord = (message: Message, queueArn: string): SQSRecord => ({
  messageId: message.MessageId ?? randomUUID(),
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    // FIFO queues: what Lambda hands over, and what Powertools' FIFO processor reads.
    ...(message.Attributes?.MessageGroupId ? { MessageGroupId: message.Attributes.MessageGroupId } : {}),
    ...(message.Attributes?.SequenceNumber ? { SequenceNumber: message.Attributes.SequenceNumber } : {}),
    ...(message.Attributes?.MessageDeduplicationId ? { MessageDeduplicationId: message.Attributes.MessageDeduplicationId } : {}),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: 'us-east-1',
});

/** Without `maxConcurrency`, one invocation at a time locally (Lambda would scale out; one machine should not). */
export const DEFAULT_LOCAL_CONCURRENCY = 1;
/** SQS hands out at most this many messages per receive. */
const MAX_PER_RECEIVE = 10;
const LONG_POLL_SECONDS = 20;
/**
 * With under a second of a batching window left a receive cannot long-poll (it waits whole
 * seconds): look again after this long, rather than receiving again at once. Receiving at once
 * took one ReceiveMessage per message of a trickle (about 20 a second on `billing-usage` while
 * usage flowed), each an SDK call on the runtime's one thread.
 */
const WINDOW_LOOK_MS = 200;

export interface Poller {
  stop(): Promise<void>;
}

/**
 * Lambda's SQS event source mapping, locally, with the knobs the CDK consumer declares
 * (batch size, batching window, maxConcurrency, FIFO): long-poll the consumer's queue, hand
 * batches to its handler, delete what succeeded. Records named in `batchItemFailures` (or the whole
 * batch, if the handler throws) stay invisible until the visibility timeout, then return;
 * the queue's redrive policy moves them to the DLQ after `maxReceiveCount` receives.
 */
export const startPoller = (options: {
  root: string;
  queue: QueueDef;
  queueUrl: string;
  sqs: SQSClient;
  log: (line: string) => void;
}): Poller => {
  const abort = new AbortController();
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${options.queueUrl.split('/').pop() ?? ''}`;
  const name = functionName(options.queue);

  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(MAX_PER_RECEIVE, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return Messages;
  };

  /**
   * One batch as Lambda's event source builds it: a long poll for the first records, then,
   * with a batching window, more receives until `batchSize` records or the window ends.
   * A FIFO batch is one receive (SQS keeps a group's later messages back while one is in flight).
   */
  const nextBatch = async (): Promise<Message[]> => {
    const batch = await receive(options.queue.batchSize, LONG_POLL_SECONDS);
    const windowMs = (options.queue.maxBatchingWindowSeconds ?? 0) * 1000;
    if (batch.length === 0 || options.queue.fifo || windowMs === 0) return batch;
    const deadline = Date.now() + windowMs;
    while (batch.length < options.queue.batchSize && !abort.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // Long polls take whole seconds: below one second left, short receives with a pause.
      const more = await receive(options.queue.batchSize - batch.length, Math.floor(left / 1000));
      batch.push(...more);
      // A full receive: more may be waiting, take it at once. Otherwise let the window gather.
      if (more.length < MAX_PER_RECEIVE && left < 1000) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(deadline - Date.now(), WINDOW_LOOK_MS))));
    }
    return batch;
  };

  const pollOnce = async (): Promise<void> => {
    const Messages = await nextBatch();
    if (Messages.length === 0) return;
    const receivedAt = Date.now();
    const records = Messages.map((message) => toRecord(message, queueArn));
    let failed = new Set(records.map((record) => record.messageId));
    try {
      const event = { Records: records } satisfies SQSEvent;
      const response = (await invokeHandler(options.root, options.queue, event, () => lambdaContext(name, sizingOf(options.queue, 'consumer').timeoutSeconds))) as SQSBatchResponse | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      options.log(`${name} failed a batch of ${records.length}: ${(error as Error).message}`);
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (tracingQueueHops()) {
      const handledAt = Date.now();
      for (const record of done) reportQueueHop(options.queue.name, record.body, Number(record.attributes.SentTimestamp), receivedAt, handledAt);
    }
    if (failed.size > 0) options.log(`${name}: ${failed.size} of ${records.length} record(s) will be retried`);
    // Lambda's event source deletes a batch after the invocation, while its pollers already
    // receive the next: the deletes do not hold up the next receive here either.
    const deleting = deleteAll(done).catch((error: Error) => options.log(`${name}: deleting handled records: ${error.message} (they return after the visibility timeout)`));
    deletes.add(deleting);
    void deleting.finally(() => deletes.delete(deleting));
  };

  const deletes = new Set<Promise<unknown>>();
  const deleteAll = async (done: readonly SQSRecord[]): Promise<void> => {
    // DeleteMessageBatch takes ten entries a call.
    const calls = [];
    for (let start = 0; start < done.length; start += MAX_PER_RECEIVE) {
      calls.push(
        options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.slice(start, start + MAX_PER_RECEIVE).map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
          }),
        ),
      );
    }
    await Promise.all(calls);
  };

  const loop = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce();
      } catch (error) {
        if (abort.signal.aborted) break;
        options.log(`${name} poller: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  // Each loop is one concurrent invocation, as `maxConcurrency` caps Lambda's.
  const loops = Array.from({ length: options.queue.maxConcurrency ?? DEFAULT_LOCAL_CONCURRENCY }, () => loop());

  return {
    stop: async () => {
      abort.abort();
      await Promise.all(loops);
      await Promise.all(deletes);
    },
  };
};
