import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { queueResourceNames, resourceName, type QueueDef } from '../topology.ts';

/** One consumer's queue and its dead-letter queue, by physical name. */
export interface DeadLetterPair {
  readonly queue: string;
  readonly name: string;
  readonly deadLetterName: string;
}

export const deadLetterPairs = (queues: readonly QueueDef[], stage: string, only?: string): DeadLetterPair[] => {
  const selected = only === undefined ? queues : queues.filter((queue) => queue.name === only);
  if (only !== undefined && selected.length === 0) {
    throw new Error(`No queue named '${only}'. Queues: ${queues.map((queue) => queue.name).join(', ')}`);
  }
  return selected.map((queue) => ({ queue: queue.name, ...queueResourceNames(stage, queue) }));
};

/**
 * The stage's consumer queues as SQS has them (every `gpuhive-<stage>-X` with a
 * `gpuhive-<stage>-X-dlq`), so the command serves whatever version is deployed.
 */
export const discoverDeadLetterPairs = async (sqs: SQSClient, stage: string, only?: string): Promise<DeadLetterPair[]> => {
  const prefix = resourceName(stage, '');
  const names = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 1000, ...(NextToken ? { NextToken } : {}) }));
    for (const url of page.QueueUrls ?? []) names.add(url.split('/').pop() ?? '');
    NextToken = page.NextToken;
  } while (NextToken);
  // A FIFO consumer's pair is `X.fifo` and `X-dlq.fifo`.
  const queues = [...names]
    .map((name) => ({ base: name.replace(/\.fifo$/, ''), fifo: name.endsWith('.fifo') }))
    .filter(({ base, fifo }) => base.endsWith('-dlq') && names.has(`${base.slice(0, -'-dlq'.length)}${fifo ? '.fifo' : ''}`))
    .map(({ base, fifo }) => ({ name: base.slice(prefix.length, -'-dlq'.length), fifo }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, fifo }) => ({ name, ...(fifo ? { fifo } : {}) }) as QueueDef);
  if (queues.length === 0) throw new Error(`No consumer queues named ${prefix}* with a DLQ: is stage '${stage}' deployed (or npm start running)?`);
  return deadLetterPairs(queues, stage, only);
};

const urlOf = async (sqs: SQSClient, name: string): Promise<string> => {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!QueueUrl) throw new Error(`No URL for queue ${name}`);
  return QueueUrl;
};

const attributesOf = async (sqs: SQSClient, url: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { arn: Attributes.QueueArn ?? '', waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) };
};

export interface DeadLetterCount {
  readonly queue: string;
  readonly deadLetterQueue: string;
  /** Messages waiting in the DLQ (approximate, as SQS counts). */
  readonly dead: number;
  /** Messages waiting in, and being handled from, the consumer's own queue. */
  readonly waiting: number;
  readonly inFlight: number;
}

export const countDeadLetters = async (sqs: SQSClient, pairs: readonly DeadLetterPair[]): Promise<DeadLetterCount[]> =>
  Promise.all(
    pairs.map(async (pair) => {
      const [dead, main] = await Promise.all([attributesOf(sqs, await urlOf(sqs, pair.deadLetterName)), attributesOf(sqs, await urlOf(sqs, pair.name))]);
      return { queue: pair.queue, deadLetterQueue: pair.deadLetterName, dead: dead.waiting + dead.inFlight, waiting: main.waiting, inFlight: main.inFlight };
    }),
  );

/** What a dead message is about, for an operator deciding whether to redrive it. */
export interface DeadLetterSummary {
  readonly messageId: string;
  readonly detailType?: string;
  readonly eventId?: string;
  readonly sentAt?: string;
  readonly receives?: number;
  readonly body: string;
}

const summarise = (message: Message): DeadLetterSummary => {
  let envelope: { 'detail-type'?: string; detail?: { eventId?: string } } = {};
  try {
    envelope = JSON.parse(message.Body ?? '') as typeof envelope;
  } catch {
    // not an event envelope: shown as it is
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId ?? '',
    ...(envelope['detail-type'] ? { detailType: envelope['detail-type'] } : {}),
    ...(envelope.detail?.eventId ? { eventId: envelope.detail.eventId } : {}),
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(message.Attributes?.ApproximateReceiveCount ? { receives: Number(message.Attributes.ApproximateReceiveCount) } : {}),
    body: message.Body ?? '',
  };
};

/**
 * Shows up to `max` messages of a DLQ without taking them: each is received with a zero
 * visibility timeout, so it stays where it is (its receive count grows, which a DLQ ignores).
 */
export const peekDeadLetters = async (sqs: SQSClient, pair: DeadLetterPair, max = 10): Promise<DeadLetterSummary[]> => {
  const url = await urlOf(sqs, pair.deadLetterName);
  const seen = new Map<string, DeadLetterSummary>();
  for (let round = 0; round < 5 && seen.size < max; round += 1) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, max), VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) if (message.MessageId && !seen.has(message.MessageId)) seen.set(message.MessageId, summarise(message));
  }
  return [...seen.values()].slice(0, max);
};

export interface RedriveResult {
  readonly queue: string;
  readonly method: 'move-task' | 'copy';
  /** Messages moved back (copy), or that the move task was started for. */
  readonly moved: number;
  readonly taskHandle?: string;
}

/**
 * Moves what waits in a DLQ back to its consumer's queue, which handles it again as new.
 * On AWS, `move-task` asks SQS to do it (StartMessageMoveTask: it runs in the background at
 * up to 500 messages a second; `list` shows the DLQ emptying). `copy` does it here, for the
 * local runtime whose SQS has no move tasks, and works on AWS too: each batch is sent to the
 * queue and only then deleted from the DLQ, so a crash in between redrives a message twice,
 * which consumers, being idempotent, shrug off. It stops after as many messages as the DLQ
 * held when it began, so messages that fail again and return are not moved in a loop.
 */
export const redriveDeadLetters = async (sqs: SQSClient, pair: DeadLetterPair, method: 'move-task' | 'copy'): Promise<RedriveResult> => {
  const deadUrl = await urlOf(sqs, pair.deadLetterName);
  const mainUrl = await urlOf(sqs, pair.name);
  const counted = await attributesOf(sqs, deadUrl);
  // A message just peeked at counts as in flight for a moment: it is still there to move.
  const dead = { ...counted, waiting: counted.waiting + counted.inFlight };
  if (dead.waiting === 0) return { queue: pair.queue, method, moved: 0 };
  if (method === 'move-task') {
    const main = await attributesOf(sqs, mainUrl);
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dead.arn, DestinationArn: main.arn }));
    return { queue: pair.queue, method, moved: dead.waiting, ...(TaskHandle ? { taskHandle: TaskHandle } : {}) };
  }
  let moved = 0;
  while (moved < dead.waiting) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadUrl, MaxNumberOfMessages: Math.min(10, dead.waiting - moved), VisibilityTimeout: 60, WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: mainUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {}),
        })),
      }),
    );
    const sent = Successful.map((entry) => Messages[Number(entry.Id)]).filter((message): message is Message => message !== undefined);
    if (sent.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: deadUrl, Entries: sent.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })) }),
      );
    }
    moved += sent.length;
    if (Failed.length > 0) throw new Error(`SQS refused to send ${Failed.length} message(s) back to ${pair.name}: ${Failed.map((f) => f.Code).join(', ')}; ${moved} moved so far`);
  }
  return { queue: pair.queue, method, moved };
};
