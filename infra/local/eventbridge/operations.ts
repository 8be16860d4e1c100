/**
 * The EventBridge operations the local stand-in answers, by `X-Amz-Target` name.
 * Each parses its input at the edge and answers in the shape of the AWS API.
 */
import { z } from 'zod';
import { compileRulePattern, type EventBus, type EventBusRegistry, type Rule } from './bus-registry.ts';
import { validationError } from './errors.ts';
import { putEvents, type PutEventsDeps } from './put-events.ts';
import { isFifoQueueArn, parseSqsQueueArn } from './sqs-delivery.ts';
import { paginate, parseInput } from './validation.ts';

export type OperationDeps = PutEventsDeps;
export type Operation = (input: unknown) => Promise<object> | object;

const NAME_PATTERN = 'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+';
const Name = (max: number) => z.string().min(1).max(max).regex(/^[.\-_A-Za-z0-9]+$/, NAME_PATTERN);
const RuleName = Name(64);
const BusName = Name(256);
const BusNameOrArn = z.string().min(1).max(1600);
const Limit = z.number().int().min(1).max(100);
const NextToken = z.string().min(1).max(2048);
const RuleState = z.enum(['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);

const CreateEventBusInput = z.object({ Name: BusName });
const DescribeEventBusInput = z.object({ Name: BusNameOrArn.optional() });
const DeleteEventBusInput = z.object({ Name: BusName });
const ListEventBusesInput = z.object({
  NamePrefix: z.string().optional(),
  Limit: Limit.optional(),
  NextToken: NextToken.optional(),
});
const PutRuleInput = z.object({
  Name: RuleName,
  EventPattern: z.string().max(4096).optional(),
  ScheduleExpression: z.string().max(256).optional(),
  State: RuleState.optional(),
  Description: z.string().max(512).optional(),
  EventBusName: BusNameOrArn.optional(),
});
const RuleRefInput = z.object({ Name: RuleName, EventBusName: BusNameOrArn.optional() });
const ListRulesInput = z.object({
  NamePrefix: z.string().optional(),
  EventBusName: BusNameOrArn.optional(),
  Limit: Limit.optional(),
  NextToken: NextToken.optional(),
});
const TargetInput = z.object({
  Id: Name(64),
  Arn: z.string().min(1).max(1600),
  SqsParameters: z.object({ MessageGroupId: z.string().optional() }).optional(),
  // Declared only to refuse them: delivering the whole envelope instead would be silently wrong.
  Input: z.unknown().optional(),
  InputPath: z.unknown().optional(),
  InputTransformer: z.unknown().optional(),
});
const PutTargetsInput = z.object({
  Rule: RuleName,
  EventBusName: BusNameOrArn.optional(),
  Targets: z.array(TargetInput).min(1).max(10, 'Member must have length less than or equal to 10'),
});
const ListTargetsInput = z.object({
  Rule: RuleName,
  EventBusName: BusNameOrArn.optional(),
  Limit: Limit.optional(),
  NextToken: NextToken.optional(),
});
const RemoveTargetsInput = z.object({
  Rule: RuleName,
  EventBusName: BusNameOrArn.optional(),
  Ids: z.array(Name(64)).min(1).max(100),
});
const TestEventPatternInput = z.object({ EventPattern: z.string().min(1), Event: z.string().min(1) });

// TestEventPattern requires these envelope fields in the event, as AWS documents.
const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

const epochSeconds = (date: Date): number => date.getTime() / 1000;

const describeBus = (bus: EventBus) => ({
  Name: bus.name,
  Arn: bus.arn,
  CreationTime: epochSeconds(bus.createdAt),
  LastModifiedTime: epochSeconds(bus.createdAt),
});

const describeRule = (rule: Rule, accountId: string) => ({
  Name: rule.name,
  Arn: rule.arn,
  EventPattern: rule.eventPattern,
  ScheduleExpression: rule.scheduleExpression,
  State: rule.state,
  Description: rule.description,
  EventBusName: rule.eventBusName,
  CreatedBy: accountId,
});

const toTarget = (target: z.output<typeof TargetInput>) => {
  if (target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined) {
    throw validationError(
      `Target ${target.Id}: Input, InputPath and InputTransformer are not supported by the local EventBridge.`,
    );
  }
  if (parseSqsQueueArn(target.Arn) === undefined) {
    throw validationError(
      `Target ${target.Id}: the local EventBridge delivers only to SQS queues ` +
        `(arn:aws:sqs:REGION:ACCOUNT:NAME), not ${target.Arn}.`,
    );
  }
  const messageGroupId = target.SqsParameters?.MessageGroupId;
  if (isFifoQueueArn(target.Arn) && messageGroupId === undefined) {
    throw validationError(`Parameter(s) SqsParameters must be specified for target: ${target.Id}.`);
  }
  return { id: target.Id, arn: target.Arn, messageGroupId };
};

const testEventPattern = (input: unknown): object => {
  const { EventPattern, Event } = parseInput(TestEventPatternInput, input);
  const matches = compileRulePattern(EventPattern);
  let event: unknown;
  try {
    event = JSON.parse(Event);
  } catch {
    throw validationError('Parameter Event is not valid. Reason: Event is not valid JSON.');
  }
  const missing = TEST_EVENT_FIELDS.filter(
    (field) => typeof event !== 'object' || event === null || !Object.hasOwn(event, field),
  );
  if (missing.length > 0) {
    throw validationError(
      `Parameter Event is not valid. Reason: Provided Event is missing required fields ${missing.join(', ')}.`,
    );
  }
  return { Result: matches(event) };
};

export const createOperations = (deps: OperationDeps): ReadonlyMap<string, Operation> => {
  const { registry } = deps;
  return new Map<string, Operation>([
    [
      'CreateEventBus',
      (input) => ({ EventBusArn: registry.createBus(parseInput(CreateEventBusInput, input).Name).arn }),
    ],
    ['DescribeEventBus', (input) => describeBus(registry.getBus(parseInput(DescribeEventBusInput, input).Name))],
    [
      'DeleteEventBus',
      (input) => {
        registry.deleteBus(parseInput(DeleteEventBusInput, input).Name);
        return {};
      },
    ],
    [
      'ListEventBuses',
      (input) => {
        const request = parseInput(ListEventBusesInput, input);
        const { page, nextToken } = paginate(registry.listBuses(request.NamePrefix), request.Limit, request.NextToken);
        return { EventBuses: page.map(describeBus), NextToken: nextToken };
      },
    ],
    [
      'PutRule',
      (input) => {
        const request = parseInput(PutRuleInput, input);
        const rule = registry.putRule({
          name: request.Name,
          eventBusName: request.EventBusName,
          eventPattern: request.EventPattern,
          scheduleExpression: request.ScheduleExpression,
          state: request.State,
          description: request.Description,
        });
        return { RuleArn: rule.arn };
      },
    ],
    [
      'DescribeRule',
      (input) => {
        const request = parseInput(RuleRefInput, input);
        return describeRule(registry.getRule(request.Name, request.EventBusName), deps.accountId);
      },
    ],
    [
      'ListRules',
      (input) => {
        const request = parseInput(ListRulesInput, input);
        const rules = registry.listRules(request.EventBusName, request.NamePrefix);
        const { page, nextToken } = paginate(rules, request.Limit, request.NextToken);
        return { Rules: page.map((rule) => describeRule(rule, deps.accountId)), NextToken: nextToken };
      },
    ],
    [
      'DeleteRule',
      (input) => {
        const request = parseInput(RuleRefInput, input);
        registry.deleteRule(request.Name, request.EventBusName);
        return {};
      },
    ],
    [
      'PutTargets',
      (input) => {
        const request = parseInput(PutTargetsInput, input);
        registry.putTargets(request.Rule, request.EventBusName, request.Targets.map(toTarget));
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
    ],
    [
      'ListTargetsByRule',
      (input) => {
        const request = parseInput(ListTargetsInput, input);
        const targets = [...registry.getRule(request.Rule, request.EventBusName).targets.values()];
        const { page, nextToken } = paginate(targets, request.Limit, request.NextToken);
        const Targets = page.map((target) => ({
          Id: target.id,
          Arn: target.arn,
          SqsParameters: target.messageGroupId === undefined ? undefined : { MessageGroupId: target.messageGroupId },
        }));
        return { Targets, NextToken: nextToken };
      },
    ],
    [
      'RemoveTargets',
      (input) => {
        const request = parseInput(RemoveTargetsInput, input);
        registry.removeTargets(request.Rule, request.EventBusName, request.Ids);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
    ],
    ['PutEvents', (input) => putEvents(deps, input)],
    ['TestEventPattern', testEventPattern],
  ]);
};
