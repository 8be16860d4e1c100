import { App, Stack, type NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { readFileSync } from 'node:fs';
import { GpuhiveStack } from '#infra/stacks/gpuhive-stack.ts';
import type { Stage } from '#infra/stacks/stage-config.ts';
import type { Topology } from '#infra/topology.ts';

/** The feature flags `cdk synth` runs with, so the tests see the template the CLI would. */
const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }).context;

export interface Synthesized {
  readonly app: App;
  readonly stack: GpuhiveStack;
  readonly template: Template;
  /** The API's nested stack (routes, integrations, stage, authorizer, invoke permissions). */
  readonly apiTemplate: Template;
  /** What the main stack passes a nested stack's parameter: `{ 'Fn::GetAtt': [id, attr] }`, `{ Ref: id }`, ... */
  readonly passedTo: (nested: NestedStack, parameterRef: unknown) => unknown;
  /** The logical id of an L2 construct's CloudFormation resource. */
  readonly logicalIdOf: (construct: IConstruct) => string;
}

/**
 * Builds the stack without bundling (`aws:cdk:bundling-stacks: []`), so no esbuild runs.
 * `context` plays the deployer's `-c key=value` (values arrive as strings from the CLI).
 */
export const synthesize = (options: { stage?: Stage; topology?: Topology; context?: Record<string, unknown> } = {}): Synthesized => {
  const app = new App({ context: { ...cdkJsonContext(), ...options.context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new GpuhiveStack(app, 'GpuhiveTest', {
    stage: options.stage ?? 'dev',
    ...(options.topology ? { topology: options.topology } : {}),
  });
  const template = Template.fromStack(stack);
  const logicalIdOf = (construct: IConstruct): string => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    // A construct of a nested stack (the monitoring) has its logical id in that stack's template.
    return Stack.of(element).getLogicalId(element);
  };
  const passedTo = (nested: NestedStack, parameterRef: unknown): unknown => {
    const name = (parameterRef as { Ref?: string }).Ref;
    const resource = template.toJSON().Resources[logicalIdOf(nested.nestedStackResource!)];
    return name === undefined ? parameterRef : resource.Properties.Parameters[name];
  };
  return { app, stack, template, apiTemplate: Template.fromStack(stack.api), logicalIdOf, passedTo };
};

/** Makes every object and array of a template read-only, so an in-place edit throws where it is made. */
const deepFreeze = (value: unknown): void => {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
};

type SharedOptions = { readonly stage?: Stage; readonly topology?: Topology };

const shared: { stage: Stage; topology: Topology | undefined; synthesized: Synthesized }[] = [];

/**
 * The app for a stage and topology, synthesized once per worker: the `unit` project runs its
 * files in shared workers, and most CDK files read the same dev, prod or queue-topology app,
 * each synthesis a few CPU seconds. Its callers only read it. The templates are frozen, so a
 * test that sorts or edits one in place fails rather than changing what later files see. A test
 * that adds constructs or aspects, or synthesizes a variant of its own, calls `synthesize`.
 */
export const sharedSynthesis = ({ stage = 'dev', topology }: SharedOptions = {}): Synthesized => {
  const found = shared.find((entry) => entry.stage === stage && entry.topology === topology);
  if (found) return found.synthesized;
  const synthesized = synthesize({ stage, ...(topology ? { topology } : {}) });
  deepFreeze(synthesized.template.toJSON());
  deepFreeze(synthesized.apiTemplate.toJSON());
  shared.push({ stage, topology, synthesized });
  return synthesized;
};

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every identity-policy statement in the template, with the roles it is attached to. */
export const identityStatements = (template: Template): { roles: string[]; statement: PolicyStatementJson }[] => {
  const found: { roles: string[]; statement: PolicyStatementJson }[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = asArray(policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref);
    for (const statement of asArray(policy.Properties.PolicyDocument.Statement as PolicyStatementJson[])) found.push({ roles, statement });
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of asArray(role.Properties.Policies as { PolicyDocument: { Statement: PolicyStatementJson[] } }[])) {
      for (const statement of asArray(inline.PolicyDocument.Statement)) found.push({ roles: [id], statement });
    }
  }
  return found;
};

/** The actions a role is allowed by its identity policies. */
export const allowedActions = (template: Template, roleLogicalId: string): Set<string> =>
  new Set(
    identityStatements(template)
      .filter(({ roles, statement }) => roles.includes(roleLogicalId) && statement.Effect === 'Allow')
      .flatMap(({ statement }) => asArray(statement.Action)),
  );
