import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { scheduleMinutes } from '#infra/stacks/gpuhive-stack.ts';
import { sharedSynthesis } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
const scheduledRules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) => rule.Properties.ScheduleExpression);
const ruleTargeting = (functionId: string) =>
  scheduledRules.find((rule) => (rule.Properties.Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[]).some((target) => target.Arn['Fn::GetAtt'][0] === functionId));

const schedules = topology.schedules.map((schedule) => [schedule.name, schedule] as const);

describe('GpuhiveStack schedules', () => {
  it.each(schedules)('runs %s on its own schedule rule', (_name, schedule) => {
    expect(ruleTargeting(logicalIdOf(stack.functionOf(schedule)))).toBeDefined();
  });

  it.each(schedules)('runs %s at the topology\'s rate, in whole minutes', (_name, schedule) => {
    const minutes = scheduleMinutes(schedule.everySeconds);
    expect(ruleTargeting(logicalIdOf(stack.functionOf(schedule)))?.Properties.ScheduleExpression).toBe(
      Schedule.rate(Duration.minutes(minutes)).expressionString,
    );
  });

  it('never schedules more often than once a minute', () => {
    expect([15, 60, 61, 90, 3600].map(scheduleMinutes)).toEqual([1, 1, 2, 2, 60]);
  });

  it('has no schedule beyond the topology', () => {
    expect(scheduledRules).toHaveLength(topology.schedules.length);
  });
});
