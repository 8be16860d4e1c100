import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { resourceName, tables, topology, type FunctionDef } from '#infra/topology.ts';
import { stageConfig } from '#infra/stacks/stage-config.ts';
import { sharedSynthesis, synthesize } from './synth.ts';

/** What an idle host costs in production: the choices of docs/operations-footprint.md, as deployed. */
const prod = sharedSynthesis({ stage: 'prod' });
const dev = sharedSynthesis();
const resourcesOf = (synthesized: typeof prod) =>
  synthesized.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const functionPropsOf = (synthesized: typeof prod, def: FunctionDef) =>
  resourcesOf(synthesized)[synthesized.logicalIdOf(synthesized.stack.functionOf(def))]!.Properties;
const heartbeat = topology.routes.find((route) => route.entry === 'functions/registry/heartbeat.ts')!;
const allDefs: FunctionDef[] = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.queues, ...topology.schedules];
const tableNamed = (synthesized: typeof prod, name: string) =>
  Object.values(synthesized.template.findResources('AWS::DynamoDB::Table')).find(
    (table) => table.Properties.TableName === resourceName(synthesized.stack.config.stage, name),
  )!;

describe('X-Ray tracing in prod', () => {
  it('traces the heartbeat and the authorizer only when an upstream caller sampled the request (pass-through)', () => {
    expect([functionPropsOf(prod, heartbeat).TracingConfig, functionPropsOf(prod, topology.authorizer).TracingConfig]).toEqual([
      { Mode: 'PassThrough' },
      { Mode: 'PassThrough' },
    ]);
  });

  it('keeps active tracing on every other function', () => {
    const others = allDefs.filter((def) => !stageConfig('prod').passThroughTracing.includes(def.entry));
    expect(others.length).toBeGreaterThan(0);
    expect(others.filter((def) => functionPropsOf(prod, def).TracingConfig?.Mode !== 'Active').map((def) => def.entry)).toEqual([]);
  });

  it('refuses a pass-through entry the topology does not declare', () => {
    const withoutHeartbeat = { ...topology, routes: topology.routes.filter((route) => route !== heartbeat) };
    expect(() => synthesize({ stage: 'prod', topology: withoutHeartbeat })).toThrow(/Pass-through tracing names handlers the topology does not declare: functions\/registry\/heartbeat.ts/);
  });
});

describe('the API access log', () => {
  const accessLogGroupOf = (synthesized: typeof prod) => synthesized.apiTemplate.toJSON().Resources[synthesized.logicalIdOf(synthesized.stack.api.accessLogs)]!.Properties;

  it('is an Infrequent Access log group in prod (half the ingestion price)', () => {
    expect(accessLogGroupOf(prod).LogGroupClass).toBe('INFREQUENT_ACCESS');
  });

  it('stays a standard log group in dev (Live Tail and metric filters work)', () => {
    expect(accessLogGroupOf(dev).LogGroupClass ?? 'STANDARD').toBe('STANDARD');
  });
});

describe('the registry table in prod', () => {
  const capacity = stageConfig('prod').provisionedCapacity.registry!;
  const registry = tableNamed(prod, 'registry');
  // Auto Scaling lives in a nested stack: the main stack is near CloudFormation's 500 resources.
  const scaling = Template.fromStack(prod.stack.node.findChild('TableCapacity') as Stack);
  const targets = Object.values(scaling.findResources('AWS::ApplicationAutoScaling::ScalableTarget'));
  const policies = Object.values(scaling.findResources('AWS::ApplicationAutoScaling::ScalingPolicy'));

  it('is billed by provisioned capacity, starting at the floor, table and every index', () => {
    // CloudFormation's default billing mode is PROVISIONED: CDK leaves it unsaid and sets the throughput.
    expect(registry.Properties.BillingMode ?? 'PROVISIONED').toBe('PROVISIONED');
    const floor = { ReadCapacityUnits: capacity.read.min, WriteCapacityUnits: capacity.write.min };
    expect(registry.Properties.ProvisionedThroughput).toEqual(floor);
    expect(registry.Properties.GlobalSecondaryIndexes.map((index: { ProvisionedThroughput: unknown }) => index.ProvisionedThroughput)).toEqual(
      tables.registry.indexes.map(() => floor),
    );
  });

  it('scales reads and writes of the table and of each index between the floor and the ceiling', () => {
    const dimensions = targets.map((target) => target.Properties.ScalableDimension as string).sort();
    const copies = 1 + tables.registry.indexes.length;
    expect(dimensions).toEqual(
      [
        ...Array(copies - 1).fill('dynamodb:index:ReadCapacityUnits'),
        ...Array(copies - 1).fill('dynamodb:index:WriteCapacityUnits'),
        'dynamodb:table:ReadCapacityUnits',
        'dynamodb:table:WriteCapacityUnits',
      ].sort(),
    );
    for (const target of targets) {
      const bounds = target.Properties.ScalableDimension.endsWith('ReadCapacityUnits') ? capacity.read : capacity.write;
      expect([target.Properties.MinCapacity, target.Properties.MaxCapacity]).toEqual([bounds.min, bounds.max]);
    }
  });

  it('names the registry table and its indexes as what to scale', () => {
    const name = resourceName('prod', 'registry');
    const ids = new Set(targets.map((target) => JSON.stringify(target.Properties.ResourceId)));
    expect(ids.size).toBe(1 + tables.registry.indexes.length);
    expect([...ids].every((id) => id.includes('table/'))).toBe(true);
    expect(name).toBe('gpuhive-prod-registry');
  });

  it('tracks the target utilisation on every scalable target', () => {
    expect(policies).toHaveLength(targets.length);
    for (const policy of policies) {
      expect(policy.Properties).toMatchObject({
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: capacity.targetUtilizationPercent,
          PredefinedMetricSpecification: { PredefinedMetricType: expect.stringMatching(/^DynamoDB(Read|Write)CapacityUtilization$/) },
        },
      });
    }
  });

  it('leaves every other table on demand', () => {
    const others = Object.keys(topology.tables).filter((name) => name !== 'registry');
    expect(others.map((name) => tableNamed(prod, name).Properties.BillingMode)).toEqual(others.map(() => 'PAY_PER_REQUEST'));
  });

  it('stays on demand in dev, where traffic is too thin for a floor to pay', () => {
    expect(tableNamed(dev, 'registry').Properties.BillingMode).toBe('PAY_PER_REQUEST');
  });
});
