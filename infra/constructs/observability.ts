import { Duration, NestedStack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct, IConstruct } from 'constructs';
import type { StageConfig } from '#infra/stacks/stage-config.ts';
import { consumerAlarmNames, type EventConsumer } from './event-consumer.ts';
import type { GpuhiveFunction } from './gpuhive-function.ts';
import { hostQueueAgeQuery } from './monitoring-plan.ts';

export { alarmCountOf, hostQueueAgeQuery } from './monitoring-plan.ts';

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

export interface ObservabilityProps {
  readonly stage: StageConfig;
  readonly dashboardName: string;
  /** `gpuhive-<stage>-`: every alarm's name starts with it. */
  readonly alarmNamePrefix: string;
  readonly api: HttpApi;
  readonly functions: readonly GpuhiveFunction[];
  readonly consumers: readonly EventConsumer[];
  readonly tables: readonly Table[];
  /** Physical names of the shared queues and their DLQs: everything else in the Region is a host queue. */
  readonly sharedQueueNames: readonly string[];
}

/**
 * What an operator of gpuhive watches: one SNS topic that every alarm of the stack notifies
 * (with an optional email subscription), an alarm on each function's errors and throttles, one
 * aggregate alarm over the run-time host queues, an alarm on the API's 5xx, and a dashboard of
 * the API, the functions, the queues and the tables.
 *
 * Errors and throttles alarm per function rather than in aggregate: the alarm's name says which
 * handler broke, which is the first question at 3 a.m., and two standard alarms per function
 * cost $0.20 a month whatever the fleet size. CloudWatch cannot aggregate them otherwise without
 * naming every function in one alarm (math alarms take at most 10 metrics).
 *
 * It is a nested stack: a function brings nine resources to the main stack (itself, role,
 * policy, log group, permission, integration, route and these two alarms), and CloudFormation
 * stops at 500 per stack. The monitoring's ~90 resources live here instead.
 */
export class Observability extends NestedStack {
  readonly alarmTopic: Topic;
  readonly hostQueuesAlarm: Alarm;
  readonly apiServerErrorsAlarm: Alarm;
  readonly functionAlarms: ReadonlyMap<GpuhiveFunction, { readonly errors: Alarm; readonly throttles: Alarm }>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id, { description: `gpuhive ${props.stage.stage}: alarms, alarm topic and dashboard` });

    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `gpuhive ${props.stage.stage} alarms`, enforceSSL: true });
    if (props.stage.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.stage.alarmEmail));
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names, states and metric values, never customer data. CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost $1 a month plus a key policy for CloudWatch, for nothing to protect.',
    });

    const named = (suffix: string) => `${props.alarmNamePrefix}${suffix}`;
    const alarms = new Map<GpuhiveFunction, { errors: Alarm; throttles: Alarm }>();
    for (const fn of props.functions) {
      const name = fn.node.id;
      alarms.set(fn, {
        errors: new Alarm(this, `${name}Errors`, {
          alarmName: named(`${name}-errors`),
          alarmDescription: `${fn.def.entry}: invocations failed (an unhandled error or a timeout)`,
          metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        throttles: new Alarm(this, `${name}Throttles`, {
          alarmName: named(`${name}-throttles`),
          alarmDescription: `${fn.def.entry}: invocations throttled (account concurrency or its reserved concurrency is exhausted)`,
          metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      });
    }
    this.functionAlarms = alarms;

    const hostQueueAge = new MathExpression({
      expression: hostQueueAgeQuery(props.sharedQueueNames),
      period: FIVE_MINUTES,
      label: 'Oldest message in any host queue (s)',
      usingMetrics: {},
    });
    this.hostQueuesAlarm = new Alarm(this, 'HostQueuesOldestMessage', {
      alarmName: named('host-queues-oldest-message'),
      alarmDescription: `Host queues: an assignment or cancel has waited more than ${props.stage.hostQueueAlarmAge.toHumanString()} for its agent (an agent stopped polling, or its credentials stopped working)`,
      metric: hostQueueAge,
      threshold: props.stage.hostQueueAlarmAge.toSeconds(),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.apiServerErrorsAlarm = new Alarm(this, 'ApiServerErrors', {
      alarmName: named('api-5xx'),
      alarmDescription: 'HTTP API: more than 5 responses with a 5xx status in 5 minutes',
      metric: props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.dashboard = this.buildDashboard(props, hostQueueAge);
  }

  /** Every alarm in `scope` (the whole stack) notifies the topic when it fires and when it recovers. */
  notifyFromAllAlarms(scope: IConstruct): number {
    const action = new SnsAction(this.alarmTopic);
    const alarms = scope.node.findAll().filter((node): node is Alarm => node instanceof Alarm);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms.length;
  }

  private buildDashboard(props: ObservabilityProps, hostQueueAge: IMetric): Dashboard {
    const { api, functions, consumers, tables } = props;
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    const perFunction = (metric: (fn: GpuhiveFunction) => IMetric) => functions.map(metric);
    const label = (fn: GpuhiveFunction) => fn.node.id;

    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName, defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# gpuhive ${props.stage.stage}\nAPI, functions, queues and tables. Every alarm notifies the SNS topic \`${this.alarmTopic.topicName}\`.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph('API requests', [api.metricCount({ period: ONE_MINUTE, statistic: 'Sum' })]),
      graph('API 4xx and 5xx', [
        api.metricClientError({ period: ONE_MINUTE, statistic: 'Sum', label: '4xx' }),
        api.metricServerError({ period: ONE_MINUTE, statistic: 'Sum', label: '5xx' }),
      ]),
      graph('API latency (p50, p99, ms)', [
        api.metricLatency({ period: ONE_MINUTE, statistic: 'p50', label: 'p50' }),
        api.metricLatency({ period: ONE_MINUTE, statistic: 'p99', label: 'p99' }),
        api.metricIntegrationLatency({ period: ONE_MINUTE, statistic: 'p99', label: 'integration p99' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Lambda errors', perFunction((fn) => fn.metricErrors({ period: ONE_MINUTE, statistic: 'Sum', label: label(fn) }))),
      graph('Lambda throttles', perFunction((fn) => fn.metricThrottles({ period: ONE_MINUTE, statistic: 'Sum', label: label(fn) }))),
      graph('Lambda duration p99 (ms)', perFunction((fn) => fn.metricDuration({ period: ONE_MINUTE, statistic: 'p99', label: label(fn) }))),
    );
    dashboard.addWidgets(
      graph(
        'Shared queues: messages waiting',
        consumers.map((consumer) => consumer.queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum', label: consumer.node.id })),
      ),
      graph(
        'Shared queues: oldest message (s)',
        consumers.map((consumer) => consumer.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum', label: consumer.node.id })),
      ),
      graph(
        'Dead-letter queues: messages',
        consumers.map((consumer) =>
          consumer.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum', label: consumer.node.id }),
        ),
      ),
    );
    dashboard.addWidgets(
      graph('Host queues: oldest message (s)', [hostQueueAge]),
      graph(
        'DynamoDB read throttles',
        tables.map((table) => table.metric('ReadThrottleEvents', { period: ONE_MINUTE, statistic: 'Sum', label: table.node.id })),
      ),
      graph(
        'DynamoDB write throttles',
        tables.map((table) => table.metric('WriteThrottleEvents', { period: ONE_MINUTE, statistic: 'Sum', label: table.node.id })),
      ),
    );
    // The consumers' alarms live in the main stack and notify this stack's topic; naming them
    // here (rather than referencing them) keeps the two stacks from depending on each other.
    const consumerAlarms = consumers.flatMap((consumer) => {
      const names = consumerAlarmNames(consumer.alarmNamePrefix);
      return [names.deadLetter, names.oldestMessage].map((alarmName) => Alarm.fromAlarmName(this, `Shows${alarmName}`, alarmName));
    });
    dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Fleet and queue alarms',
        alarms: [this.hostQueuesAlarm, this.apiServerErrorsAlarm, ...consumerAlarms],
        width: 24,
        height: 4,
      }),
    );
    return dashboard;
  }
}
