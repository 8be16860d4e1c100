import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { adminPrincipal, httpEvent, lambdaContext, renterPrincipal } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

// Class-level mocks: they reach the clients the module builds at import.
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

type Handler = (typeof import('#functions/billing/add-credits.ts'))['handler'];
let handler: Handler;

const TABLE = 'gpuhive-test-billing';
const accountId = 'acct_01jz3k5q7w9d2c4m6n8p';

beforeAll(async () => {
  // The module reads its config at import, so it is imported only once the env is set.
  ({ handler } = await importHandlerWith(() => import('#functions/billing/add-credits.ts'), { BILLING_TABLE_NAME: TABLE }));
});

resetEachTest(dynamo, bus);

beforeEach(() => {
  dynamo.on(GetCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
});

const postCredit = (body: unknown, options: { principal?: typeof adminPrincipal; accountId?: string } = {}) =>
  handler(
    httpEvent({
      routeKey: 'POST /v1/accounts/{accountId}/credits',
      principal: options.principal ?? adminPrincipal,
      pathParameters: { accountId: options.accountId ?? accountId },
      body: JSON.stringify(body),
    }),
    lambdaContext('add-credits'),
  );

const transactItems = () => dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;

const conditionFailedOnReference = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }],
  });

describe('add-credits handler', () => {
  it('answers 201 with the balanced ledger transaction', async () => {
    const response = await postCredit({ amount: '25.000000', reference: 'inv-1' });

    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body!)).toEqual({
      transactionId: expect.stringMatching(/^txn_/),
      postedAt: expect.any(String),
      kind: 'credit',
      reference: 'inv-1',
      entries: [
        { entryId: expect.stringMatching(/^ent_/), accountId, amount: '25.000000' },
        { entryId: expect.stringMatching(/^ent_/), accountId: 'external:funding', amount: '-25.000000' },
      ],
    });
  });

  it('writes the reference, transaction, entries and both balances in one transaction', async () => {
    const { transactionId, postedAt, entries } = JSON.parse((await postCredit({ amount: '25', reference: 'inv-1' })).body!);

    const items = transactItems();
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(items.map((item) => { const key = item.Put?.Item ?? item.Update?.Key; return `${key!.pk} ${key!.sk}`; })).toEqual([
      'CREDITREF#inv-1 CREDITREF',
      `TXN#${transactionId} TXN`,
      `ACCOUNT#${accountId} ENTRY#${postedAt}#${entries[0].entryId}`,
      `ACCOUNT#external:funding ENTRY#${postedAt}#${entries[1].entryId}`,
      `BALANCE#${accountId} BALANCE`,
      'BALANCE#external:funding BALANCE',
    ]);
    expect(items.every((item) => (item.Put ?? item.Update)!.TableName === TABLE)).toBe(true);
    expect(items.filter((item) => item.Put).every((item) => item.Put!.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
  });

  it('moves balance and available by the signed amount of each entry', async () => {
    await postCredit({ amount: '25' });

    const updates = transactItems().filter((item) => item.Update).map((item) => item.Update!);
    expect(updates.map((update) => update.UpdateExpression)).toEqual(
      Array(2).fill('ADD balance :amount, available :available, held :held SET accountId = :accountId, updatedAt = :now'),
    );
    expect(updates.map((update) => update.ExpressionAttributeValues![':amount'])).toEqual([25_000_000, -25_000_000]);
    expect(updates.map((update) => update.ExpressionAttributeValues![':available'])).toEqual([25_000_000, -25_000_000]);
    expect(updates.map((update) => update.ExpressionAttributeValues![':held'])).toEqual([0, 0]);
  });

  it('stores signed integer micro-USD on the entries, never decimal strings', async () => {
    await postCredit({ amount: '0.45' });

    const entries = transactItems().filter((item) => String(item.Put?.Item?.sk).startsWith('ENTRY#')).map((item) => item.Put!.Item!);
    expect(entries.map((entry) => entry.amount)).toEqual([450_000, -450_000]);
    expect(entries[0]).toMatchObject({ kind: 'credit', accountId, gsi1pk: expect.stringMatching(/^LEDGER#\d{4}-\d{2}-\d{2}#[0-7]$/) });
  });

  it('answers the first transaction when the reference was claimed concurrently with the same credit', async () => {
    dynamo.on(TransactWriteCommand).rejects(conditionFailedOnReference());
    dynamo
      .on(GetCommand, { Key: { pk: 'CREDITREF#inv-1', sk: 'CREDITREF' } })
      .resolvesOnce({})
      .resolves({ Item: { reference: 'inv-1', txnId: 'txn_first', accountId, amount: 25_000_000 } });
    dynamo.on(GetCommand, { Key: { pk: 'TXN#txn_first', sk: 'TXN' } }).resolves({
      Item: {
        txnId: 'txn_first', kind: 'credit', reference: 'inv-1', postedAt: '2025-03-10T10:00:00.000Z',
        entries: [{ entryId: 'ent_a', accountId, amount: 25_000_000 }, { entryId: 'ent_b', accountId: 'external:funding', amount: -25_000_000 }],
      },
    });

    const response = await postCredit({ amount: '25.000000', reference: 'inv-1' });

    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body!)).toMatchObject({ transactionId: 'txn_first', postedAt: '2025-03-10T10:00:00.000Z' });
  });

  it('answers 409 reference_reused for a reference first used with another amount, writing nothing', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'CREDITREF#inv-1', sk: 'CREDITREF' } }).resolves({
      Item: { reference: 'inv-1', txnId: 'txn_first', accountId, amount: 10_000_000 },
    });

    const response = await postCredit({ amount: '25.000000', reference: 'inv-1' });

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).error.code).toBe('reference_reused');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('retries a transaction that conflicted with another on the funding balance', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }] }))
      .resolves({});

    const response = await postCredit({ amount: '1' });

    expect(response.statusCode).toBe(201);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('answers 400 naming accountId for an id that is not an account id, writing nothing', async () => {
    const response = await postCredit({ amount: '1' }, { accountId: 'external:funding' });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).error.details.map((issue: { field: string }) => issue.field)).toEqual(['path.accountId']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers 400 naming amount for more than 1,000,000 USD', async () => {
    const response = await postCredit({ amount: '1000000.000001' });

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).error.details.map((issue: { field: string }) => issue.field)).toEqual(['amount']);
  });

  it('answers 403 to a renter key, writing nothing', async () => {
    const response = await postCredit({ amount: '1' }, { principal: renterPrincipal });

    expect(response.statusCode).toBe(403);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
