import { createHash } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminPrincipal, httpEvent, lambdaContext } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

// Class-level mocks: they reach the clients the module builds at import.
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

type Handler = (typeof import('#functions/accounts/create-account.ts'))['handler'];
let handler: Handler;

beforeAll(async () => {
  // The module reads its config at import, so it is imported only once the env is set.
  ({ handler } = await importHandlerWith(() => import('#functions/accounts/create-account.ts'), { ACCOUNTS_TABLE_NAME: 'gpuhive-test-accounts' }));
});

resetEachTest(dynamo, bus);

beforeEach(() => {
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const createAda = () =>
  handler(httpEvent({ routeKey: 'POST /v1/accounts', principal: adminPrincipal, body: '{"kind":"renter","name":"Ada"}' }), lambdaContext('create-account'));

const transactItems = () => dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((item) => item.Put!);

describe('create-account handler', () => {
  it('answers 201 with the account and a renter API key', async () => {
    const response = await createAda();

    expect(response.statusCode).toBe(201);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({ kind: 'renter', name: 'Ada' });
    expect(body.accountId).toMatch(/^acct_/);
    expect(body.keyId).toMatch(/^key_/);
    expect(body.apiKey).toMatch(/^gpuhive_renter_/);
  });

  it('writes the account, its key, the key-hash item and account.created in one transaction', async () => {
    const response = await createAda();
    const { accountId, keyId, apiKey } = JSON.parse(response.body!);

    const items = transactItems();
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(items.map((put) => `${put.Item!.pk} ${put.Item!.sk}`)).toEqual([
      `ACCOUNT#${accountId} ACCOUNT`,
      `ACCOUNT#${accountId} KEY#${keyId}`,
      `KEYHASH#${sha256(apiKey)} KEYHASH`,
      expect.stringMatching(/^OUTBOX#.+ OUTBOX$/),
    ]);
    expect(items.every((put) => put.TableName === 'gpuhive-test-accounts')).toBe(true);
  });

  it('points the key-hash item at the account, key and role', async () => {
    const { accountId, keyId, apiKey } = JSON.parse((await createAda()).body!);

    const keyHash = transactItems().find((put) => put.Item!.pk === `KEYHASH#${sha256(apiKey)}`);

    expect(keyHash?.Item).toMatchObject({ accountId, keyId, role: 'renter' });
    expect(keyHash?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('never stores the API key itself', async () => {
    const { apiKey } = JSON.parse((await createAda()).body!);

    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(apiKey);
    expect(JSON.stringify(bus.calls().map((call) => call.args[0].input))).not.toContain(apiKey);
  });

  it('records account.created in the outbox and publishes it to the bus', async () => {
    const { accountId } = JSON.parse((await createAda()).body!);

    const outboxItem = transactItems().find((put) => String(put.Item!.pk).startsWith('OUTBOX#'))!.Item!;
    expect(outboxItem).toMatchObject({ source: 'gpuhive.accounts', detailType: 'account.created', outboxBucket: 'pending' });
    expect(JSON.parse(outboxItem.detail as string)).toMatchObject({ accountId, kind: 'renter', name: 'Ada', version: 1 });
    const entries = bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ EventBusName: 'gpuhive-test', DetailType: 'account.created' });
  });

  it('answers 400 naming the bad field for an unknown kind, writing nothing', async () => {
    const response = await handler(
      httpEvent({ routeKey: 'POST /v1/accounts', principal: adminPrincipal, body: '{"kind":"admin","name":"Ada"}' }),
      lambdaContext('create-account'),
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).error.details.map((issue: { field: string }) => issue.field)).toEqual(['kind']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 403 to a renter key, writing nothing', async () => {
    const response = await handler(
      httpEvent({
        routeKey: 'POST /v1/accounts',
        principal: { kind: 'account', role: 'renter', accountId: 'acct_1', keyId: 'key_1' },
        body: '{"kind":"renter","name":"Ada"}',
      }),
      lambdaContext('create-account'),
    );

    expect(response.statusCode).toBe(403);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
