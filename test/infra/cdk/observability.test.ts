import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceName, topology, type FunctionDef } from '#infra/topology.ts';
import { alarmCountOf, hostQueueAgeQuery } from '#infra/constructs/observability.ts';
import { synthesize } from './synth.ts';

const { stack, template, logicalIdOf } = synthesize();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const alarms = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');
const topicRef = { Ref: logicalIdOf(stack.observability.alarmTopic) };
const allDefs: FunctionDef[] = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.queues, ...topology.schedules];
const alarmOf = (construct: Parameters<typeof logicalIdOf>[0]) => resources[logicalIdOf(construct)]!.Properties;
const sharedQueueNames = topology.queues.flatMap((queue) => [resourceName('dev', queue.name), resourceName('dev', `${queue.name}-dlq`)]);
const dashboardBody = (): string => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
};

describe('GpuhiveStack alarms', () => {
  it('creates the number of alarms the cost model prices', () => {
    expect(alarms).toHaveLength(alarmCountOf(topology));
  });

  it.each(alarms.map(([id]) => [id] as const))('sends the alarm %s to the alarm topic', (id) => {
    expect(resources[id]!.Properties.AlarmActions).toEqual([topicRef]);
  });

  it.each(alarms.map(([id]) => [id] as const))('tells the alarm topic when %s recovers', (id) => {
    expect(resources[id]!.Properties.OKActions).toEqual([topicRef]);
  });

  it.each(allDefs.map((def) => [def.entry, def] as const))('alarms on the errors of %s', (_entry, def) => {
    expect(alarmOf(stack.observability.functionAlarms.get(stack.functionOf(def))!.errors)).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.functionOf(def)) } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each(allDefs.map((def) => [def.entry, def] as const))('alarms on the throttles of %s', (_entry, def) => {
    expect(alarmOf(stack.observability.functionAlarms.get(stack.functionOf(def))!.throttles)).toMatchObject({
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.functionOf(def)) } }],
    });
  });

  it('watches every host queue with one Metrics Insights alarm on the oldest message', () => {
    expect(alarmOf(stack.observability.hostQueuesAlarm).Metrics).toEqual([
      expect.objectContaining({ Expression: hostQueueAgeQuery(sharedQueueNames), Period: 300, ReturnData: true }),
    ]);
  });

  it('alarms when a host queue\'s oldest message is older than the stage allows', () => {
    expect(alarmOf(stack.observability.hostQueuesAlarm).Threshold).toBe(stack.config.hostQueueAlarmAge.toSeconds());
  });

  it('has no alarm per host queue: no alarm names a queue under the host prefix', () => {
    expect(JSON.stringify(alarms.map(([, alarm]) => alarm.Properties.Dimensions ?? []))).not.toMatch(/host-/);
  });

  it('alarms on the API\'s 5xx responses', () => {
    expect(alarmOf(stack.observability.apiServerErrorsAlarm)).toMatchObject({
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalIdOf(stack.api.api) } }],
    });
  });
});

describe('hostQueueAgeQuery', () => {
  it('takes the maximum oldest-message age over queues by name', () => {
    expect(hostQueueAgeQuery([])).toBe('SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName)');
  });

  it('leaves out the shared queues, which have alarms of their own', () => {
    expect(hostQueueAgeQuery(['gpuhive-dev-b', 'gpuhive-dev-a'])).toBe(
      'SELECT MAX(ApproximateAgeOfOldestMessage) FROM SCHEMA("AWS/SQS", QueueName) WHERE QueueName != \'gpuhive-dev-a\' AND QueueName != \'gpuhive-dev-b\'',
    );
  });
});

describe('GpuhiveStack alarm topic', () => {
  it('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has no subscription unless the deployer names an email', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('emails the address given with -c alarmEmail', () => {
    synthesize({ context: { alarmEmail: 'ops@example.com' } }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('refuses an alarm email that is not an address', () => {
    expect(() => synthesize({ context: { alarmEmail: 'ops' } })).toThrow(/alarmEmail/);
  });

  it('outputs the topic ARN', () => {
    template.hasOutput('AlarmTopicArn', { Value: topicRef });
  });
});

describe('GpuhiveStack dashboard', () => {
  it('is named after the stage', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: resourceName('dev', 'operations') });
  });

  it.each(['4xx', '5xx', 'Latency'])('graphs the API\'s %s', (metric) => {
    expect(dashboardBody()).toContain(`"AWS/ApiGateway","${metric}"`);
  });

  it.each(['Errors', 'Throttles', 'Duration'])('graphs Lambda %s for every function', (metric) => {
    const count = dashboardBody().split(`"AWS/Lambda","${metric}"`).length - 1;
    expect(count).toBe(allDefs.length);
  });

  it.each(['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'])('graphs %s of the shared queues', (metric) => {
    expect(dashboardBody()).toContain(`"AWS/SQS","${metric}"`);
  });

  it('graphs the host queues through the same Metrics Insights query as their alarm', () => {
    expect(dashboardBody()).toContain(JSON.stringify(hostQueueAgeQuery(sharedQueueNames)).slice(1, -1));
  });

  it.each(['ReadThrottleEvents', 'WriteThrottleEvents'])('graphs DynamoDB %s for every table', (metric) => {
    const count = dashboardBody().split(`"AWS/DynamoDB","${metric}"`).length - 1;
    expect(count).toBe(Object.keys(topology.tables).length);
  });
});
