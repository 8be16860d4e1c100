import { describe, expect, it } from 'vitest';
import { PlatformEnv } from '#platform/config.ts';
import { RegistryEnv } from '#registry/config.ts';
import { topology, type FunctionDef } from '#infra/topology.ts';
import { adminKeyParameterName } from '#infra/stacks/gpuhive-stack.ts';
import { synthesize } from './synth.ts';

const { stack, template, logicalIdOf } = synthesize();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
const lambdas = Object.values(template.findResources('AWS::Lambda::Function'));
const propsOf = (def: FunctionDef) => resources[logicalIdOf(stack.functionOf(def))]!.Properties;
const envOf = (def: FunctionDef): Record<string, unknown> => propsOf(def).Environment.Variables;

const allDefs: FunctionDef[] = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.queues, ...topology.schedules];
const byEntry = allDefs.map((def) => [def.entry, def] as const);
const vend = topology.routes.find((route) => route.capabilities?.includes('vendAgentQueueCredentials'))!;
const registryDefs = allDefs.filter((def) => def.context === 'registry').map((def) => [def.entry, def] as const);

describe('GpuhiveFunction', () => {
  it('builds one Lambda per handler of the topology', () => {
    expect(lambdas).toHaveLength(new Set(allDefs.map((def) => def.entry)).size);
  });

  it('refuses two definitions that share a handler file', () => {
    const [first, second] = topology.routes;
    const shared = { ...topology, routes: [first!, { ...second!, entry: first!.entry }] };
    expect(() => synthesize({ topology: shared })).toThrow(/One Lambda per handler/);
  });

  it('runs every function on nodejs22.x', () => {
    expect(new Set(lambdas.map((fn) => fn.Properties.Runtime))).toEqual(new Set(['nodejs22.x']));
  });

  it('runs every function on arm64', () => {
    expect(new Set(lambdas.map((fn) => JSON.stringify(fn.Properties.Architectures)))).toEqual(new Set(['["arm64"]']));
  });

  it('traces every function with X-Ray', () => {
    expect(lambdas.every((fn) => fn.Properties.TracingConfig?.Mode === 'Active')).toBe(true);
  });

  it('maps stack traces through source maps', () => {
    expect(lambdas.every((fn) => fn.Properties.Environment.Variables.NODE_OPTIONS === '--enable-source-maps')).toBe(true);
  });

  it('logs every function to its own log group with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const used = lambdas.map((fn) => fn.Properties.LoggingConfig.LogGroup.Ref as string);
    expect(used.every((id) => groups[id]?.Properties.RetentionInDays === stack.config.logRetention) && new Set(used).size === used.length).toBe(true);
  });

  it('sizes functions at 256 MB and 10 s unless the topology says otherwise', () => {
    expect(propsOf(topology.defaultRoute)).toMatchObject({ MemorySize: 256, Timeout: 10 });
  });

  it.each(byEntry)('tells %s the bus, the stage and its service name', (_entry, def) => {
    expect(envOf(def)).toMatchObject({
      [PlatformEnv.eventBusName]: { Ref: logicalIdOf(stack.bus) },
      [PlatformEnv.stage]: 'dev',
      POWERTOOLS_SERVICE_NAME: def.context,
    });
  });

  it.each(byEntry)('tells %s the names of exactly the tables it may use', (_entry, def) => {
    const tableVars = Object.values(topology.tables).map((table) => table.envVar).filter((name) => name in envOf(def));
    const own = Object.values(topology.tables).filter((table) => table.context === def.context);
    const read = (def.reads ?? []).map((name) => topology.tables[name]!);
    const swept = def.capabilities?.includes('sweepOutboxes') ? topology.outboxTables.map((name) => topology.tables[name]!) : [];
    expect(tableVars.sort()).toEqual([...new Set([...own, ...read, ...swept].map((table) => table.envVar))].sort());
  });

  it.each(registryDefs)('gives the registry function %s the stage\'s host queue prefix', (_entry, def) => {
    expect(envOf(def)[RegistryEnv.hostQueuePrefix]).toBe('gpuhive-dev-host-');
  });

  it('gives the vending function the agent queue role\'s ARN', () => {
    expect(envOf(vend)[RegistryEnv.agentQueueRoleArn]).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.agentQueueRole!), 'Arn'] });
  });

  it('resolves the admin key hash from SSM at deploy time, never a literal', () => {
    const value = envOf(topology.authorizer)[PlatformEnv.adminKeySha256] as { Ref: string };
    expect(template.toJSON().Parameters[value.Ref]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: adminKeyParameterName('dev'),
    });
  });

  it('keeps the admin key hash away from every other function', () => {
    const holders = allDefs.filter((def) => PlatformEnv.adminKeySha256 in envOf(def));
    expect(holders).toEqual([topology.authorizer]);
  });
});
