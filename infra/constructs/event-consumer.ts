import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { queueKnobProblem, type QueueDef, type RuleDef } from '#infra/topology.ts';
import type { GpuhiveFunction } from './gpuhive-function.ts';

/** AWS's guidance for Lambda on SQS: a visibility timeout of at least six function timeouts. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface EventConsumerProps {
  readonly def: QueueDef;
  readonly fn: GpuhiveFunction;
  readonly bus: IEventBus;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  /** An oldest message older than this means the consumer is stuck or failing. */
  readonly oldestMessageAlarmAge: Duration;
  /** Alarm names start with it (`gpuhive-<stage>-<queue>`), so a page names the queue. */
  readonly alarmNamePrefix: string;
}

/** The names of a consumer's two alarms, for whoever shows them without holding the construct. */
export const consumerAlarmNames = (prefix: string) => ({ deadLetter: `${prefix}-dlq-not-empty`, oldestMessage: `${prefix}-oldest-message` });

/**
 * One consumer of bus events (STYLE.md, Infra): its own SSE-SQS queue with a DLQ, the
 * Lambda reading it in batches with partial batch failures, an alarm on the DLQ and on the
 * age of the oldest message, and the rules that route events to the queue. No rule ever
 * invokes the function directly.
 */
export class EventConsumer extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly oldestMessageAlarm: Alarm;
  readonly alarmNamePrefix: string;
  private readonly bus: IEventBus;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);
    const { def, fn } = props;
    const problem = queueKnobProblem(def);
    if (problem) throw new Error(problem);
    this.bus = props.bus;
    const { timeoutSeconds } = fn.sizing;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...(def.fifo ? { fifo: true } : {}),
    });
    this.queue = new Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(Math.max(def.visibilityTimeoutSeconds, VISIBILITY_TIMEOUT_FACTOR * timeoutSeconds)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: def.maxReceiveCount },
      // Senders set a deduplication id (a redelivered nudge is the same message), and one message group per pool.
      ...(def.fifo ? { fifo: true, deduplicationScope: DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
    });

    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: def.batchSize,
        reportBatchItemFailures: true,
        ...(def.maxBatchingWindowSeconds ? { maxBatchingWindow: Duration.seconds(def.maxBatchingWindowSeconds) } : {}),
        ...(def.maxConcurrency ? { maxConcurrency: def.maxConcurrency } : {}),
      }),
    );

    this.alarmNamePrefix = props.alarmNamePrefix;
    const alarmNames = consumerAlarmNames(props.alarmNamePrefix);
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterQueueNotEmpty', {
      alarmName: alarmNames.deadLetter,
      alarmDescription: `${def.name}: messages failed ${def.maxReceiveCount} times and wait in the DLQ`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm = new Alarm(this, 'OldestMessageTooOld', {
      alarmName: alarmNames.oldestMessage,
      alarmDescription: `${def.name}: the consumer is not keeping up (oldest message older than ${props.oldestMessageAlarmAge.toHumanString()})`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: props.oldestMessageAlarmAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Routes the events a rule selects from the bus into this consumer's queue. */
  subscribe(id: string, rule: RuleDef, ruleName: string): Rule {
    return new Rule(this, id, {
      eventBus: this.bus,
      ruleName,
      description: `${rule.name} -> ${rule.queue}`,
      eventPattern: { source: [...rule.pattern.source], detailType: [...rule.pattern['detail-type']] },
      targets: [new SqsQueue(this.queue)],
    });
  }
}
