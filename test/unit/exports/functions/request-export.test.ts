import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '#platform/principal.ts';
import { httpEvent, lambdaContext, renterPrincipal } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);

type Handler = (typeof import('#functions/exports/request-export.ts'))['handler'];
let handler: Handler;

const TABLE = 'gpuhive-test-exports';
const financePrincipal: Principal = { kind: 'account', role: 'finance', accountId: 'acct_finance00000001', keyId: 'key_finance00000001' };
const providerPrincipal: Principal = { kind: 'account', role: 'provider', accountId: 'acct_provider000001', keyId: 'key_provider000001' };

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/exports/request-export.ts'), {
    EXPORTS_TABLE_NAME: TABLE,
    EXPORTS_BUCKET_NAME: 'gpuhive-test-exports',
    EXPORT_MAX_PERIOD_DAYS: '31',
  }));
});

resetEachTest(dynamo, bus);

beforeEach(() => {
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'e1' }] });
});

const post = (body: unknown, options: { principal?: Principal; headers?: Record<string, string> } = {}) =>
  handler(
    httpEvent({ routeKey: 'POST /v1/finance/exports', principal: options.principal ?? financePrincipal, body: JSON.stringify(body), ...(options.headers ? { headers: options.headers } : {}) }),
    lambdaContext('exports-request-export'),
  );

const detailsOf = (response: { body?: string }) => JSON.parse(response.body!).error.details as { field: string; message: string }[];

const valid = { kind: 'usage', format: 'csv', from: '2025-03-01', to: '2025-03-10T12:00:00Z' };

describe('request-export handler', () => {
  it('answers 202 running with the export id, having recorded the export and export.requested in one transaction', async () => {
    const response = await post(valid);

    expect(response.statusCode).toBe(202);
    const { exportId, status } = JSON.parse(response.body!);
    expect(status).toBe('running');
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((item) => item.Put!.Item!.pk)).toEqual([`EXPORT#${exportId}`, expect.stringMatching(/^OUTBOX#/)]);
    expect(items[0]!.Put!.Item).toMatchObject({
      kind: 'usage', format: 'csv', from: '2025-03-01T00:00:00.000Z', to: '2025-03-10T12:00:00.000Z', status: 'running',
      requestedBy: financePrincipal.accountId, fileKey: `exports/on-demand/${exportId}.csv`, gsi1pk: 'EXPORTS',
    });
    expect(items[1]!.Put!.Item).toMatchObject({ detailType: 'export.requested', source: 'gpuhive.exports' });
    expect(JSON.parse(bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({ exportId, kind: 'usage' });
  });

  it('answers 400 naming `from` and `to` when they are missing or not times', async () => {
    const response = await post({ kind: 'usage', format: 'csv', to: 'tomorrow' });

    expect(response.statusCode).toBe(400);
    expect(detailsOf(response)).toEqual([
      { field: 'from', message: 'is required' },
      { field: 'to', message: expect.stringContaining('ISO-8601') },
    ]);
  });

  it('answers 400 naming `to` when it is not after `from`', async () => {
    const response = await post({ ...valid, from: '2025-03-10', to: '2025-03-10' });
    expect(response.statusCode).toBe(400);
    expect(detailsOf(response)).toEqual([{ field: 'to', message: 'must be after from' }]);
  });

  it('answers 400 naming `to` when the period is longer than EXPORT_MAX_PERIOD_DAYS', async () => {
    const response = await post({ ...valid, from: '2025-01-01', to: '2025-03-01' });
    expect(response.statusCode).toBe(400);
    expect(detailsOf(response)).toEqual([{ field: 'to', message: 'must be at most 31 days after from' }]);
  });

  it('answers 400 naming every other bad field at once', async () => {
    const response = await post({ kind: 'invoices', format: 'xlsx', from: '2025-03-01', to: '2025-03-02', extra: 1 });
    expect(response.statusCode).toBe(400);
    expect(detailsOf(response).map((issue) => issue.field).sort()).toEqual(['extra', 'format', 'kind']);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses renter and provider keys with 403, writing nothing', async () => {
    for (const principal of [renterPrincipal, providerPrincipal]) {
      const response = await post(valid, { principal });
      expect(response.statusCode).toBe(403);
    }
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 409 when the Idempotency-Key was used with another body', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }] }),
    );
    dynamo.on(GetCommand).resolves({ Item: { exportId: 'exp_first0000000', bodyHash: 'another body' } });

    const response = await post(valid, { headers: { 'idempotency-key': 'monthly-close' } });

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body!).error.code).toBe('idempotency_key_reused');
  });
});
