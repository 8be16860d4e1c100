import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { queueResourceNames, resourceName, topology, type FunctionDef } from '#infra/topology.ts';
import { alarmCountOf, hostQueueAgeQuery } from '#infra/constructs/observability.ts';
import { sharedSynthesis, synthesize } from './synth.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** The main stack, and the nested stack the alarms, their topic and the dashboard live in. */
const { stack, template, logicalIdOf } = sharedSynthesis();
const monitoring = Template.fromStack(stack.observability);
const rootResources = template.toJSON().Resources as Resources;
const resources = monitoring.toJSON().Resources as Resources;
const alarmsIn = (all: Resources) => Object.entries(all).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');
const rootAlarms = alarmsIn(rootResources);
const monitoringAlarms = alarmsIn(resources);
const alarms = [...rootAlarms, ...monitoringAlarms];
const topicRef = { Ref: logicalIdOf(stack.observability.alarmTopic) };
const nestedStackId = stack.getLogicalId(stack.observability.nestedStackResource!);
const topicFromMainStack = { 'Fn::GetAtt': [nestedStackId, Match.stringLikeRegexp('^Outputs\\..*AlarmTopic')] };
const allDefs: FunctionDef[] = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.queues, ...topology.schedules];
const alarmOf = (construct: Parameters<typeof logicalIdOf>[0]) => resources[logicalIdOf(construct)]!.Properties;
/** A main-stack resource as the nested stack sees it: a parameter named after its path (its logical id less the hash). */
const passedIn = (construct: Parameters<typeof logicalIdOf>[0]) => ({
  Ref: Match.stringLikeRegexp(`^referenceto\\w*${logicalIdOf(construct).slice(0, -8)}[0-9A-F]{8}Ref$`),
});
// As deployed: a FIFO queue's names end `.fifo`.
const sharedQueueNames = topology.queues.flatMap((queue) => Object.values(queueResourceNames('dev', queue)));
const dashboardBody = (): string => {
  const [dashboard] = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
};

describe('GpuhiveStack alarms', () => {
  it('creates the number of alarms the cost model prices', () => {
    expect(alarms).toHaveLength(alarmCountOf(topology));
  });

  it.each(monitoringAlarms.map(([id]) => [id] as const))('sends the alarm %s to the alarm topic', (id) => {
    expect(resources[id]!.Properties.AlarmActions).toEqual([topicRef]);
  });

  it.each(monitoringAlarms.map(([id]) => [id] as const))('tells the alarm topic when %s recovers', (id) => {
    expect(resources[id]!.Properties.OKActions).toEqual([topicRef]);
  });

  it.each(rootAlarms.map(([id]) => [id] as const))('sends the main stack\'s alarm %s to the alarm topic, on alarm and on recovery', (id) => {
    template.hasResource('AWS::CloudWatch::Alarm', {
      Properties: Match.objectLike({ AlarmName: rootResources[id]!.Properties.AlarmName, AlarmActions: [topicFromMainStack], OKActions: [topicFromMainStack] }),
    });
  });

  it.each(alarms.map(([id, alarm]) => [id, alarm] as const))('names the alarm %s after the stage', (_id, alarm) => {
    expect(alarm.Properties.AlarmName).toMatch(/^gpuhive-dev-/);
  });

  it.each(allDefs.map((def) => [def.entry, def] as const))('alarms on the errors of %s', (_entry, def) => {
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmOf(stack.observability.functionAlarms.get(stack.functionOf(def))!.errors).AlarmName,
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: passedIn(stack.functionOf(def)) }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each(allDefs.map((def) => [def.entry, def] as const))('alarms on the throttles of %s', (_entry, def) => {
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: alarmOf(stack.observability.functionAlarms.get(stack.functionOf(def))!.throttles).AlarmName,
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: passedIn(stack.functionOf(def)) }],
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
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Dimensions: [{ Name: 'ApiId', Value: passedIn(stack.api.api) }],
    });
  });

  it('keeps the monitoring in a nested stack, away from the main stack\'s 500-resource limit', () => {
    // Nested stacks: the monitoring and the web console (and, in prod, the registry's capacity).
    expect(template.findResources('AWS::CloudFormation::Stack')).toHaveProperty(nestedStackId);
    expect(Object.keys(rootResources).length).toBeLessThan(500);
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
    monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('has no subscription unless the deployer names an email', () => {
    monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('emails the address given with -c alarmEmail', () => {
    Template.fromStack(synthesize({ context: { alarmEmail: 'ops@example.com' } }).stack.observability).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('refuses an alarm email that is not an address', () => {
    expect(() => synthesize({ context: { alarmEmail: 'ops' } })).toThrow(/alarmEmail/);
  });

  it('outputs the topic ARN', () => {
    template.hasOutput('AlarmTopicArn', { Value: topicFromMainStack });
  });
});

describe('GpuhiveStack dashboard', () => {
  it('is named after the stage', () => {
    monitoring.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: resourceName('dev', 'operations') });
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
