import { describe, expect, it } from 'vitest';
import { PlatformEnv } from '#platform/config.ts';
import { RegistryEnv } from '#registry/config.ts';
import { topology, type FunctionDef } from '#infra/topology.ts';
import { adminKeyParameterName } from '#infra/stacks/gpuhive-stack.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '#infra/constructs/sizing.ts';
import { stageConfig } from '#infra/stacks/stage-config.ts';
import { sharedSynthesis, synthesize } from './synth.ts';

const { stack, template, logicalIdOf } = sharedSynthesis();
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

  it('traces every function with X-Ray in dev', () => {
    expect(lambdas.every((fn) => fn.Properties.TracingConfig?.Mode === 'Active')).toBe(true);
  });

  it('maps stack traces through source maps', () => {
    expect(lambdas.every((fn) => fn.Properties.Environment.Variables.NODE_OPTIONS === '--enable-source-maps')).toBe(true);
  });

  it('logs every function to its context\'s log group with a retention, one group per context', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const groupOf = new Map(lambdas.map((fn) => [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME as string, new Set<string>()]));
    for (const fn of lambdas) groupOf.get(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME)!.add(fn.Properties.LoggingConfig.LogGroup.Ref as string);
    const used = [...groupOf.values()].flatMap((ids) => [...ids]);

    expect([...groupOf.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(new Set(used).size).toBe(groupOf.size);
    expect(used.every((id) => groups[id]?.Properties.RetentionInDays === stack.config.logRetention)).toBe(true);
  });

  it('logs in JSON with the stage levels: Lambda\'s own lines at INFO in dev, the functions\' at DEBUG', () => {
    const configs = lambdas.map((fn) => fn.Properties.LoggingConfig);
    expect(configs.every((config) => config.LogFormat === 'JSON' && config.SystemLogLevel === 'INFO' && config.ApplicationLogLevel === 'DEBUG')).toBe(true);
  });

  it('drops Lambda\'s START, END and REPORT lines in prod (system log level WARN)', () => {
    const prod = Object.values(sharedSynthesis({ stage: 'prod' }).template.findResources('AWS::Lambda::Function'));
    expect(prod.every((fn) => fn.Properties.LoggingConfig.SystemLogLevel === 'WARN' && fn.Properties.LoggingConfig.ApplicationLogLevel === 'INFO')).toBe(true);
  });

  it('sizes functions at 256 MB and 10 s unless the topology says otherwise', () => {
    expect(propsOf(topology.defaultRoute)).toMatchObject({ MemorySize: 256, Timeout: 10 });
  });

  it('gives the authorizer a short default timeout, since every protected request waits for it', () => {
    expect(propsOf(topology.authorizer).Timeout).toBe(DEFAULT_TIMEOUT_SECONDS.authorizer);
  });

  it.each(topology.schedules.filter((def) => def.timeoutSeconds === undefined).map((def) => [def.name, def] as const))(
    'gives the schedule %s the longer default timeout of a sweep',
    (_name, def) => {
      expect(propsOf(def).Timeout).toBe(DEFAULT_TIMEOUT_SECONDS.schedule);
    },
  );

  it.each(topology.queues.filter((def) => def.timeoutSeconds === undefined).map((def) => [def.name, def] as const))(
    'gives the consumer %s the default timeout of a batch consumer',
    (_name, def) => {
      expect(propsOf(def).Timeout).toBe(DEFAULT_TIMEOUT_SECONDS.consumer);
    },
  );

  it('uses the memory and timeout the topology declares for a function', () => {
    const sized = { ...topology, defaultRoute: { ...topology.defaultRoute, memoryMb: 512, timeoutSeconds: 20 } };
    const synthesized = synthesize({ topology: sized });
    const fn = synthesized.template.toJSON().Resources[synthesized.logicalIdOf(synthesized.stack.functionOf(sized.defaultRoute))];
    expect(fn.Properties).toMatchObject({ MemorySize: 512, Timeout: 20 });
  });

  it('refuses a route timeout that API Gateway would not wait for', () => {
    const slow = { ...topology, defaultRoute: { ...topology.defaultRoute, timeoutSeconds: 30 } };
    expect(() => synthesize({ topology: slow })).toThrow(/must finish within 29 s/);
  });

  it('reserves no concurrency unless the deployer opts in', () => {
    expect(lambdas.filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined)).toEqual([]);
  });

  it('reserves the stage\'s recommended concurrency with -c reservedConcurrency=true', () => {
    const synthesized = synthesize({ stage: 'prod', context: { reservedConcurrency: 'true' } });
    const reserved = Object.fromEntries(
      Object.entries(stageConfig('prod').recommendedReservedConcurrency).map(([entry]) => {
        const def = allDefs.find((d) => d.entry === entry)!;
        const fn = synthesized.template.toJSON().Resources[synthesized.logicalIdOf(synthesized.stack.functionOf(def))];
        return [entry, fn.Properties.ReservedConcurrentExecutions];
      }),
    );
    expect(reserved).toEqual(stageConfig('prod').recommendedReservedConcurrency);
  });

  it('reserves exactly what a JSON reservedConcurrency context names', () => {
    const synthesized = synthesize({ context: { reservedConcurrency: JSON.stringify({ [topology.authorizer.entry]: 7 }) } });
    const reserved = Object.values(synthesized.template.findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.ReservedConcurrentExecutions)
      .filter((count) => count !== undefined);
    expect(reserved).toEqual([7]);
  });

  it('refuses to reserve concurrency for a handler the topology does not declare', () => {
    expect(() => synthesize({ context: { reservedConcurrency: JSON.stringify({ 'functions/nowhere.ts': 5 }) } })).toThrow(/functions\/nowhere\.ts/);
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

  it('carries no admin key and no key hash in the template, only the SSM parameter name', () => {
    // Assets (Lambda code, the nested stack's template) are named by their 64-hex hash; any other 64-hex string would be a key hash.
    const text = JSON.stringify(template.toJSON()).replace(/\b[0-9a-f]{64}\.(zip|json)\b/g, '<asset>');
    expect([/gpuhive_admin_/.test(text), /\b[0-9a-f]{64}\b/.test(text)]).toEqual([false, false]);
  });

  it('keeps the admin key hash away from every other function', () => {
    const holders = allDefs.filter((def) => PlatformEnv.adminKeySha256 in envOf(def));
    expect(holders).toEqual([topology.authorizer]);
  });
});
