import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { queueResourceNames, resourceName, routeKey, topology } from '#infra/topology.ts';
import { scheduleMinutes } from '#infra/stacks/gpuhive-stack.ts';
import { sharedSynthesis } from './synth.ts';

/**
 * ARCHITECTURE.md, One topology, two targets: a route, queue, rule or schedule that exists in
 * one target and not the other is a bug. The local runtime is built from the topology object
 * itself; these tests hold the synthesized template to the same object, in both directions.
 */
const { stack, template, apiTemplate, logicalIdOf } = sharedSynthesis();
const resources = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>);
const ofType = (type: string) => resources.filter((resource) => resource.Type === type);
const sorted = (values: readonly string[]) => [...values].sort();

// Routes live in the API's nested stack.
const templateRouteKeys = Object.values(apiTemplate.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey as string);
const templateQueueNames = ofType('AWS::SQS::Queue').map((queue) => queue.Properties.QueueName as string);
const busRules = ofType('AWS::Events::Rule').filter((rule) => rule.Properties.EventBusName !== undefined);
const scheduleRules = ofType('AWS::Events::Rule').filter((rule) => rule.Properties.ScheduleExpression !== undefined);
const ruleNamed = (rules: typeof busRules, name: string) => rules.find((rule) => rule.Properties.Name === name);

describe('the synthesized template equals the topology', () => {
  it('serves exactly the topology\'s routes, plus $default for the 404', () => {
    expect(sorted(templateRouteKeys)).toEqual(sorted([...topology.routes.map(routeKey), '$default']));
  });

  it('declares each route once', () => {
    expect(new Set(templateRouteKeys).size).toBe(templateRouteKeys.length);
  });

  it('creates exactly the topology\'s queues and one DLQ for each', () => {
    expect(sorted(templateQueueNames)).toEqual(
      sorted(topology.queues.flatMap((queue) => Object.values(queueResourceNames('dev', queue)))),
    );
  });

  it('puts exactly the topology\'s rules on the bus', () => {
    expect(sorted(busRules.map((rule) => rule.Properties.Name as string))).toEqual(sorted(topology.rules.map((rule) => resourceName('dev', rule.name))));
  });

  it.each(topology.rules.map((rule) => [rule.name, rule] as const))('matches the rule %s\'s pattern exactly', (_name, rule) => {
    expect(ruleNamed(busRules, resourceName('dev', rule.name))?.Properties.EventPattern).toEqual({
      source: [...rule.pattern.source],
      'detail-type': [...rule.pattern['detail-type']],
    });
  });

  it.each(topology.rules.map((rule) => [rule.name, rule] as const))('routes the rule %s to its queue and nowhere else', (_name, rule) => {
    const targets = ruleNamed(busRules, resourceName('dev', rule.name))?.Properties.Targets as { Arn: unknown }[];
    expect(targets.map((target) => target.Arn)).toEqual([{ 'Fn::GetAtt': [logicalIdOf(stack.consumers.get(rule.queue)!.queue), 'Arn'] }]);
  });

  it('runs exactly the topology\'s schedules', () => {
    expect(sorted(scheduleRules.map((rule) => rule.Properties.Name as string))).toEqual(
      sorted(topology.schedules.map((schedule) => resourceName('dev', schedule.name))),
    );
  });

  it.each(topology.schedules.map((schedule) => [schedule.name, schedule] as const))('runs the schedule %s at its rate on its own handler', (_name, schedule) => {
    const rule = ruleNamed(scheduleRules, resourceName('dev', schedule.name));
    const minutes = scheduleMinutes(schedule.everySeconds);
    expect({
      rate: rule?.Properties.ScheduleExpression,
      targets: (rule?.Properties.Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[]).map((target) => target.Arn['Fn::GetAtt'][0]),
    }).toEqual({ rate: Schedule.rate(Duration.minutes(minutes)).expressionString, targets: [logicalIdOf(stack.functionOf(schedule))] });
  });

  it('feeds exactly the topology\'s consumers from queues', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map((mapping) => (mapping.Properties.FunctionName as { Ref: string }).Ref);
    expect(sorted(mappings)).toEqual(sorted(topology.queues.map((queue) => logicalIdOf(stack.functionOf(queue)))));
  });
});
