import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueDef } from '../topology.ts';
import { functionName, loadHandler } from './handlers.ts';
import { lambdaContext } from './lambda-context.ts';

const toRecord = (message: Message, queueArn: string): SQSRecord => ({
  messageId: message.MessageId ?? randomUUID(),
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: 'us-east-1',
});

export interface Poller {
  stop(): Promise<void>;
}

/**
 * Lambda's SQS event source mapping, locally: long-poll the consumer's queue, hand batches
 * to its handler, delete what succeeded. Records named in `batchItemFailures` (or the whole
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

  const pollOnce = async (): Promise<void> => {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, options.queue.batchSize),
        WaitTimeSeconds: 20,
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    if (Messages.length === 0) return;
    const records = Messages.map((message) => toRecord(message, queueArn));
    const handler = await loadHandler(options.root, options.queue);
    let failed = new Set(records.map((record) => record.messageId));
    try {
      const response = (await handler({ Records: records } satisfies SQSEvent, lambdaContext(name, options.queue.timeoutSeconds ?? 10))) as
        | SQSBatchResponse
        | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      options.log(`${name} failed a batch of ${records.length}: ${(error as Error).message}`);
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (failed.size > 0) options.log(`${name}: ${failed.size} of ${records.length} record(s) will be retried`);
    if (done.length > 0) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce();
      } catch (error) {
        if (abort.signal.aborted) break;
        options.log(`${name} poller: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
};
