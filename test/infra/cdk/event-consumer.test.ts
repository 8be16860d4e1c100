import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceName } from '#infra/topology.ts';
import { VISIBILITY_TIMEOUT_FACTOR } from '#infra/constructs/event-consumer.ts';
import { fixtureQueue, fixtureRule, topologyWithConsumer } from './fixtures/topology.ts';
import { sharedSynthesis, synthesize } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis({ topology: topologyWithConsumer });
const consumer = stack.consumers.get(fixtureQueue.name)!;
const queue = template.toJSON().Resources[logicalIdOf(consumer.queue)];
const deadLetterQueue = template.toJSON().Resources[logicalIdOf(consumer.deadLetterQueue)];
const queueArn = { 'Fn::GetAtt': [logicalIdOf(consumer.queue), 'Arn'] };

describe('EventConsumer (fixture topology with one queue and one rule)', () => {
  it('names the queue and its DLQ after the stage', () => {
    expect([queue.Properties.QueueName, deadLetterQueue.Properties.QueueName]).toEqual([
      resourceName('dev', fixtureQueue.name),
      resourceName('dev', `${fixtureQueue.name}-dlq`),
    ]);
  });

  it('encrypts the queue with SSE-SQS', () => {
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('encrypts the DLQ with SSE-SQS', () => {
    expect(deadLetterQueue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('refuses requests to the queue without TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(consumer.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('moves a message to the DLQ after the topology\'s maxReceiveCount', () => {
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(consumer.deadLetterQueue), 'Arn'] },
      maxReceiveCount: fixtureQueue.maxReceiveCount,
    });
  });

  it('keeps messages invisible for at least six function timeouts', () => {
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_FACTOR * fixtureQueue.timeoutSeconds!);
  });

  it('feeds the consumer function in batches of the topology\'s size', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn,
      FunctionName: { Ref: logicalIdOf(stack.functionOf(fixtureQueue)) },
      BatchSize: fixtureQueue.batchSize,
    });
  });

  it('lets the consumer report partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('names the rule as the local runtime does', () => {
    template.hasResourceProperties('AWS::Events::Rule', { Name: resourceName('dev', fixtureRule.name) });
  });

  it('routes the rule\'s pattern from the gpuhive bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(stack.bus) },
      EventPattern: { source: fixtureRule.pattern.source, 'detail-type': fixtureRule.pattern['detail-type'] },
    });
  });

  it('targets the consumer\'s queue with the rule, never the function', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': fixtureRule.pattern['detail-type'] }),
      Targets: [Match.objectLike({ Arn: queueArn })],
    });
  });

  it('lets only that rule send to the queue', () => {
    const [ruleId] = Object.keys(template.findResources('AWS::Events::Rule', { Properties: { EventBusName: Match.anyValue() } }));
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(consumer.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('alarms as soon as the DLQ holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(consumer.deadLetterQueue), 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms when the oldest message waits longer than the stage allows', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(consumer.queue), 'QueueName'] } }],
      Threshold: stack.config.oldestMessageAlarmAge.toSeconds(),
    });
  });

  it('rejects a rule that routes to an undeclared queue', () => {
    const broken = { ...topologyWithConsumer, rules: [{ ...fixtureRule, queue: 'nowhere' }] };
    expect(() => synthesize({ topology: broken })).toThrow(/routes to queue 'nowhere'/);
  });
});
