/**
 * In-memory buses, rules and targets of the local EventBridge. The local runtime
 * re-creates them at every start, so nothing is persisted.
 */
import {
  invalidEventPattern,
  limitExceeded,
  resourceAlreadyExists,
  resourceNotFound,
  validationError,
} from './errors.ts';
import { compileEventPattern, InvalidEventPatternError, type EventPatternMatcher } from './pattern.ts';

export const DEFAULT_BUS = 'default';
// AWS allows five targets per rule.
const MAX_TARGETS_PER_RULE = 5;

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  /** Required by FIFO queues; sent as the message group of each delivery. */
  readonly messageGroupId?: string;
}

export interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly eventPattern?: string;
  readonly scheduleExpression?: string;
  readonly state: RuleState;
  readonly description?: string;
  readonly targets: ReadonlyMap<string, RuleTarget>;
}

export interface EventBus {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
}

export interface RuleDefinition {
  readonly name: string;
  readonly eventBusName?: string;
  readonly eventPattern?: string;
  readonly scheduleExpression?: string;
  readonly state?: RuleState;
  readonly description?: string;
}

interface StoredRule extends Rule {
  readonly matcher?: EventPatternMatcher;
  readonly targets: Map<string, RuleTarget>;
}

interface StoredBus extends EventBus {
  readonly rules: Map<string, StoredRule>;
}

export class EventBusRegistry {
  private readonly buses = new Map<string, StoredBus>();

  constructor(
    private readonly arnPrefix: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.buses.set(DEFAULT_BUS, this.newBus(DEFAULT_BUS));
  }

  createBus(name: string): EventBus {
    if (this.buses.has(name)) throw resourceAlreadyExists(`Event bus ${name} already exists.`);
    const bus = this.newBus(name);
    this.buses.set(name, bus);
    return bus;
  }

  /** Accepts a bus name or ARN, as AWS does; undefined means the default bus. */
  getBus(nameOrArn?: string): EventBus {
    return this.requireBus(nameOrArn);
  }

  hasBus(nameOrArn: string): boolean {
    return this.buses.has(busNameOf(nameOrArn));
  }

  /** Deleting a missing bus succeeds, as on AWS; its rules go with it. */
  deleteBus(name: string): void {
    if (name === DEFAULT_BUS) throw validationError('Cannot delete event bus default.');
    this.buses.delete(name);
  }

  listBuses(namePrefix = ''): EventBus[] {
    return [...this.buses.values()].filter((bus) => bus.name.startsWith(namePrefix));
  }

  /** Creates or replaces a rule; a replaced rule keeps its targets. */
  putRule(definition: RuleDefinition): Rule {
    const bus = this.requireBus(definition.eventBusName);
    if (definition.eventPattern === undefined && definition.scheduleExpression === undefined) {
      throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (definition.scheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validationError('ScheduleExpression is supported only on the default event bus.');
    }
    const rule: StoredRule = {
      name: definition.name,
      arn: `${this.arnPrefix}:rule/${bus.name === DEFAULT_BUS ? '' : `${bus.name}/`}${definition.name}`,
      eventBusName: bus.name,
      eventPattern: definition.eventPattern,
      matcher: definition.eventPattern === undefined ? undefined : compileRulePattern(definition.eventPattern),
      scheduleExpression: definition.scheduleExpression,
      state: definition.state ?? 'ENABLED',
      description: definition.description,
      targets: bus.rules.get(definition.name)?.targets ?? new Map(),
    };
    bus.rules.set(rule.name, rule);
    return rule;
  }

  getRule(name: string, eventBusName?: string): Rule {
    return this.requireRule(name, eventBusName);
  }

  listRules(eventBusName?: string, namePrefix = ''): Rule[] {
    const bus = this.requireBus(eventBusName);
    return [...bus.rules.values()].filter((rule) => rule.name.startsWith(namePrefix));
  }

  /** Deleting a missing rule succeeds, as on AWS; a rule with targets cannot be deleted. */
  deleteRule(name: string, eventBusName?: string): void {
    const bus = this.requireBus(eventBusName);
    if ((bus.rules.get(name)?.targets.size ?? 0) > 0) {
      throw validationError("Rule can't be deleted since it has targets.");
    }
    bus.rules.delete(name);
  }

  /** Adds or replaces targets by Id. */
  putTargets(ruleName: string, eventBusName: string | undefined, targets: readonly RuleTarget[]): void {
    const rule = this.requireRule(ruleName, eventBusName);
    const ids = new Set([...rule.targets.keys(), ...targets.map((target) => target.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) {
      throw limitExceeded(
        `The requested resource exceeds the maximum number allowed (${MAX_TARGETS_PER_RULE} targets).`,
      );
    }
    for (const target of targets) rule.targets.set(target.id, target);
  }

  /** Ids that are not targets of the rule are ignored. */
  removeTargets(ruleName: string, eventBusName: string | undefined, ids: readonly string[]): void {
    const rule = this.requireRule(ruleName, eventBusName);
    for (const id of ids) rule.targets.delete(id);
  }

  /** Enabled rules on the bus whose pattern matches the event; scheduled rules never do. */
  matchingRules(eventBusName: string, event: unknown): Rule[] {
    const bus = this.requireBus(eventBusName);
    return [...bus.rules.values()].filter(
      (rule) => rule.state !== 'DISABLED' && rule.matcher !== undefined && rule.matcher(event),
    );
  }

  private newBus(name: string): StoredBus {
    return { name, arn: `${this.arnPrefix}:event-bus/${name}`, createdAt: this.clock(), rules: new Map() };
  }

  private requireBus(nameOrArn = DEFAULT_BUS): StoredBus {
    const name = busNameOf(nameOrArn);
    const bus = this.buses.get(name);
    if (bus === undefined) throw resourceNotFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  private requireRule(name: string, eventBusName?: string): StoredRule {
    const bus = this.requireBus(eventBusName);
    const rule = bus.rules.get(name);
    if (rule === undefined) throw resourceNotFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }
}

/** `arn:aws:events:us-east-1:123456789012:event-bus/orders` -> `orders`. */
export const busNameOf = (nameOrArn: string): string => {
  const marker = ':event-bus/';
  const index = nameOrArn.startsWith('arn:') ? nameOrArn.indexOf(marker) : -1;
  return index < 0 ? nameOrArn : nameOrArn.slice(index + marker.length);
};

/** Parses and validates a rule's EventPattern string, answering AWS's InvalidEventPatternException. */
export const compileRulePattern = (text: string): EventPatternMatcher => {
  try {
    return compileEventPattern(JSON.parse(text));
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw invalidEventPattern(error.message);
    if (error instanceof SyntaxError) {
      throw invalidEventPattern(`Event pattern is not valid. Reason: ${error.message}`);
    }
    throw error;
  }
};
