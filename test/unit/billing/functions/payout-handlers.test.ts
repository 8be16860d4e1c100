import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '#platform/principal.ts';
import { httpEvent, lambdaContext } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

let putMethod: (typeof import('#functions/billing/put-payout-method.ts'))['handler'];
let markPaid: (typeof import('#functions/billing/mark-payout-paid.ts'))['handler'];

const TABLE = 'gpuhive-test-billing';
const provider: Principal = { kind: 'account', role: 'provider', accountId: 'acct_provider00000001', keyId: 'key_provider0000001' };
const finance: Principal = { kind: 'account', role: 'finance', accountId: 'acct_finance000000001', keyId: 'key_finance00000001' };
const payoutId = 'pay_01jz3k5q7w9d2c4m6n8pqr';

beforeAll(async () => {
  ({ handler: putMethod } = await importHandlerWith(() => import('#functions/billing/put-payout-method.ts'), { BILLING_TABLE_NAME: TABLE }));
  ({ handler: markPaid } = await importHandlerWith(() => import('#functions/billing/mark-payout-paid.ts'), { BILLING_TABLE_NAME: TABLE }));
});

resetEachTest(dynamo, bus);

beforeEach(() => {
  dynamo.on(PutCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e1' }] });
});

const storedPayout = (status: string, reference?: string) => ({
  pk: `PAYOUT#${payoutId}`, sk: 'PAYOUT', payoutId, batchId: 'pob_01jz3k5q7w9d2c4m6n8pqrst', providerId: provider.accountId, amount: 1_230_000,
  method: { type: 'paypal', details: { email: 'ada@example.com' } }, status, settledBefore: '2026-11-24T00:00:00.000Z', createdAt: '2026-12-01T00:00:00.000Z',
  txnId: 'txn_1', version: status === 'in_transit' ? 1 : 2, ...(reference ? { reference } : {}),
});

describe('put-payout-method handler', () => {
  it('stores the method whole and answers it masked', async () => {
    const response = await putMethod(
      httpEvent({ routeKey: 'PUT /v1/payouts/method', principal: provider, body: JSON.stringify({ type: 'paypal', details: { email: 'ada@example.com' }, threshold: '25' }) }),
      lambdaContext('put-payout-method'),
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ type: 'paypal', details: { email: 'a***@example.com' }, threshold: '25.000000', updatedAt: expect.any(String) });
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      pk: `PAYOUTMETHOD#${provider.accountId}`, method: { type: 'paypal', details: { email: 'ada@example.com' } }, threshold: 25_000_000,
    });
  });

  it('answers 400 naming the rail and 403 for a finance key, writing nothing', async () => {
    const badRail = await putMethod(httpEvent({ routeKey: 'PUT /v1/payouts/method', principal: provider, body: JSON.stringify({ type: 'cheque', details: {} }) }), lambdaContext('x'));
    const wrongRole = await putMethod(httpEvent({ routeKey: 'PUT /v1/payouts/method', principal: finance, body: JSON.stringify({ type: 'paypal', details: { email: 'a@b.co' } }) }), lambdaContext('x'));

    expect(badRail.statusCode).toBe(400);
    expect(JSON.parse(badRail.body!).error.details).toEqual([expect.objectContaining({ field: 'type' })]);
    expect(wrongRole.statusCode).toBe(403);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('mark-payout-paid handler', () => {
  const post = (reference: string) =>
    markPaid(
      httpEvent({ routeKey: 'POST /v1/finance/payouts/{payoutId}/paid', principal: finance, pathParameters: { payoutId }, body: JSON.stringify({ reference }) }),
      lambdaContext('mark-payout-paid'),
    );

  it('settles the payout, its ledger transaction and payout.paid in one conditional write', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedPayout('in_transit') });

    const response = await post('PP-1');

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toMatchObject({ payoutId, status: 'paid', reference: 'PP-1', amount: '1.230000' });
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items[0]!.Put).toMatchObject({ ConditionExpression: '#status = :inTransit AND version = :read', ExpressionAttributeValues: { ':read': 1 } });
    expect(items.some((item) => item.Put?.Item?.pk === 'BALANCE#external:payouts' || item.Update?.Key?.pk === 'BALANCE#external:payouts')).toBe(true);
    expect(items.some((item) => String(item.Put?.Item?.pk ?? '').startsWith('OUTBOX#'))).toBe(true);
  });

  it('answers 409 payout_already_paid for another reference, without writing', async () => {
    dynamo.on(GetCommand).resolves({ Item: storedPayout('paid', 'PP-1') });

    const response = await post('PP-2');

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).error.code).toBe('payout_already_paid');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reads the payout again when another request settled it in between, and answers that', async () => {
    dynamo.on(GetCommand).resolvesOnce({ Item: storedPayout('in_transit') }).resolves({ Item: storedPayout('paid', 'PP-1') });
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    );

    const response = await post('PP-1');

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toMatchObject({ status: 'paid', reference: 'PP-1' });
  });
});
