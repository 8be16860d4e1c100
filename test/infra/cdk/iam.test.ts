import { describe, expect, it } from 'vitest';
import { topology, type FunctionDef } from '#infra/topology.ts';
import { AGENT_QUEUE_ACTIONS } from '#infra/constructs/host-queue-access.ts';
import { allowedActions, asArray, identityStatements, sharedSynthesis } from './synth.ts';
import { topologyWithConsumer } from './fixtures/topology.ts';

const real = sharedSynthesis();
const fixture = sharedSynthesis({ topology: topologyWithConsumer });
const prod = sharedSynthesis({ stage: 'prod' });
const { stack, template, logicalIdOf } = real;

const DATA_ACTION = /^(dynamodb|sqs|s3):|^events:PutEvents$|^\*$/i;
const roleOf = (def: FunctionDef) => logicalIdOf(stack.functionOf(def).executionRole);
const actionsOf = (def: FunctionDef) => allowedActions(template, roleOf(def));
const vend = topology.routes.find((route) => route.capabilities?.includes('vendAgentQueueCredentials'))!;
const agentRole = template.toJSON().Resources[logicalIdOf(stack.agentQueueRole!)];

const allDefs: FunctionDef[] = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.queues, ...topology.schedules];
const hostQueueArnPattern = /:sqs:.*:gpuhive-dev-host-\*/;

/** The actions a function's role may take on host queues (by their ARN prefix), not on its own consumer queue. */
const hostQueueActionsOf = (def: FunctionDef): string[] =>
  identityStatements(template)
    .filter(({ roles, statement }) => roles.includes(roleOf(def)) && statement.Effect === 'Allow')
    .filter(({ statement }) => asArray(statement.Resource as unknown[]).some((resource) => hostQueueArnPattern.test(JSON.stringify(resource))))
    .flatMap(({ statement }) => asArray(statement.Action));

const dataActionsOnStarFor = (def: FunctionDef): string[] =>
  identityStatements(template)
    .filter(({ roles, statement }) => roles.includes(roleOf(def)) && statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
    .flatMap(({ statement }) => asArray(statement.Action).filter((action) => DATA_ACTION.test(action)));

const dataActionsOnStar = (synthesized: typeof real) =>
  identityStatements(synthesized.template)
    .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
    .flatMap(({ statement }) => asArray(statement.Action).filter((action) => DATA_ACTION.test(action)));

describe('GpuhiveStack IAM', () => {
  it.each([
    ['the real topology (dev)', real],
    ['the real topology (prod)', prod],
    ['the fixture topology with a consumer', fixture],
  ] as const)('grants no data action on Resource "*" in %s', (_name, synthesized) => {
    expect(dataActionsOnStar(synthesized)).toEqual([]);
  });

  it.each(allDefs.map((def) => [def.entry, def] as const))('grants %s no data action on Resource "*"', (_entry, def) => {
    expect(dataActionsOnStarFor(def)).toEqual([]);
  });

  it('lets only the vending function\'s role assume the agent queue role', () => {
    expect(agentRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [roleOf(vend), 'Arn'] } } },
    ]);
  });

  it('allows the agent queue role only to receive, delete and extend messages', () => {
    const actions = asArray(agentRole.Properties.Policies as { PolicyDocument: { Statement: { Action: string[] }[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement.flatMap((statement) => statement.Action),
    );
    expect(actions.sort()).toEqual([...AGENT_QUEUE_ACTIONS].sort());
  });

  it('scopes the agent queue role to the stage\'s host queues', () => {
    const [statement] = agentRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(JSON.stringify(statement.Resource)).toMatch(/:sqs:.*:gpuhive-dev-host-\*"/);
  });

  it('gives sts:AssumeRole to no role but the vending function\'s', () => {
    const assumers = identityStatements(template)
      .filter(({ statement }) => asArray(statement.Action).includes('sts:AssumeRole'))
      .flatMap(({ roles }) => roles);
    expect(assumers).toEqual([roleOf(vend)]);
  });

  it('lets the authorizer read the tables it resolves secrets from, and write none', () => {
    const actions = actionsOf(topology.authorizer);
    expect([actions.has('dynamodb:GetItem'), actions.has('dynamodb:Query'), actions.has('dynamodb:PutItem'), actions.has('dynamodb:UpdateItem')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('gives the not-found handler no data access at all', () => {
    expect([...actionsOf(topology.defaultRoute)].filter((action) => DATA_ACTION.test(action))).toEqual([]);
  });

  it('lets a context write only its own table', () => {
    const accountsRoute = topology.routes.find((route) => route.context === 'accounts')!;
    const writes = identityStatements(template)
      .filter(({ roles, statement }) => roles.includes(roleOf(accountsRoute)) && asArray(statement.Action).includes('dynamodb:PutItem'))
      .flatMap(({ statement }) => asArray(statement.Resource as unknown[]).map((resource) => JSON.stringify(resource)));
    expect(writes.every((resource) => resource.includes(logicalIdOf(stack.tables.get('accounts')!)))).toBe(true);
  });

  it('gives host queue actions only to functions with a host-queue capability', () => {
    const withSqs = allDefs.filter((def) => hostQueueActionsOf(def).length > 0).map((def) => def.entry);
    const declared = [...topology.routes, ...topology.schedules, ...topology.queues]
      .filter((def) => def.capabilities?.some((capability) => capability === 'manageHostQueues' || capability === 'pollHostQueues' || capability === 'sendToHostQueues'))
      .map((def) => def.entry);
    expect(withSqs.sort()).toEqual(declared.sort());
  });

  it.each(topology.queues.map((def) => [def.name, def] as const))('lets the consumer of %s touch no SQS queue but its own, those it sends to and host queues it declares', (_name, def) => {
    const allowed = [def.name, ...(def.sendsTo ?? [])].map((name) => logicalIdOf(stack.consumers.get(name)!.queue));
    const elsewhere = identityStatements(template)
      .filter(({ roles, statement }) => roles.includes(roleOf(def)) && asArray(statement.Action).some((action) => action.startsWith('sqs:')))
      .flatMap(({ statement }) => asArray(statement.Resource as unknown[]).map((resource) => JSON.stringify(resource)))
      .filter((resource) => !allowed.some((id) => resource.includes(id)) && !hostQueueArnPattern.test(resource));
    expect(elsewhere).toEqual([]);
  });

  it('lets a function send to a topology queue only if it declares it in sendsTo', () => {
    const senders = allDefs
      .filter((def) => actionsOf(def).has('sqs:SendMessage') && !(def.capabilities ?? []).includes('sendToHostQueues'))
      .map((def) => def.entry);
    // Those that also send to host queues are checked queue by queue (the consumer test above).
    const declared = allDefs.filter((def) => (def.sendsTo ?? []).length > 0 && !(def.capabilities ?? []).includes('sendToHostQueues'));
    expect(senders.sort()).toEqual(declared.map((def) => def.entry).sort());
  });

  it('lets only functions with jobLogObjects reach log objects, with put and get only', () => {
    const onLogs = identityStatements(template).filter(({ statement }) =>
      asArray(statement.Resource as unknown[]).some((resource) => /\/logs\/\*"/.test(JSON.stringify(resource))),
    );
    expect({
      holders: allDefs.filter((def) => onLogs.some(({ roles }) => roles.includes(roleOf(def)))).map((def) => def.entry).sort(),
      actions: [...new Set(onLogs.flatMap(({ statement }) => asArray(statement.Action)))].sort(),
    }).toEqual({
      holders: allDefs.filter((def) => (def.capabilities ?? []).includes('jobLogObjects')).map((def) => def.entry).sort(),
      actions: ['s3:GetObject', 's3:PutObject'],
    });
  });

  it('lets only functions that manage host queues create or delete them', () => {
    const managers = [...topology.routes, ...topology.schedules]
      .filter((def) => [...actionsOf(def)].some((action) => action === 'sqs:CreateQueue' || action === 'sqs:DeleteQueue'))
      .map((def) => def.entry);
    const declared = [...topology.routes, ...topology.schedules].filter((def) => def.capabilities?.includes('manageHostQueues')).map((def) => def.entry);
    expect(managers.sort()).toEqual(declared.sort());
  });

  it('lets publishing contexts and the outbox sweep, and no one else, put events on the bus', () => {
    const contextsWithTables = new Set(Object.values(topology.tables).map((table) => table.context));
    const all = [...topology.routes, topology.defaultRoute, topology.authorizer, ...topology.schedules];
    const publishers = all.filter((def) => actionsOf(def).has('events:PutEvents')).map((def) => def.entry);
    const expected = all
      .filter((def) => contextsWithTables.has(def.context) || def.capabilities?.includes('sweepOutboxes'))
      .map((def) => def.entry);
    expect(publishers.sort()).toEqual(expected.sort());
  });

  it('lets the outbox sweep read and write every outbox table', () => {
    const sweep = topology.schedules.find((schedule) => schedule.capabilities?.includes('sweepOutboxes'))!;
    const writable = identityStatements(template)
      .filter(({ roles, statement }) => roles.includes(roleOf(sweep)) && asArray(statement.Action).includes('dynamodb:UpdateItem'))
      .flatMap(({ statement }) => asArray(statement.Resource as unknown[]).map((resource) => JSON.stringify(resource)));
    // Tables without an outbox (logs, notifications publish no events) are not the sweep's.
    const tableIds = topology.outboxTables.map((name) => logicalIdOf(stack.tables.get(name)!));
    expect(tableIds.every((id) => writable.some((resource) => resource.includes(id)))).toBe(true);
  });
});
