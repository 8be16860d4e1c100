import { HeadObjectCommand, NotFound, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '#platform/principal.ts';
import { httpEvent, lambdaContext } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

let getHandler: (typeof import('#functions/exports/get-export.ts'))['handler'];
let listHandler: (typeof import('#functions/exports/list-exports.ts'))['handler'];

const financePrincipal: Principal = { kind: 'account', role: 'finance', accountId: 'acct_finance00000001', keyId: 'key_finance00000001' };
const exportId = 'exp_01jz3k5q7w9d2c4m6n8p';

const succeededItem = {
  pk: `EXPORT#${exportId}`, sk: 'EXPORT', exportId, kind: 'usage', format: 'csv', from: '2025-03-10T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z',
  daily: false, requestedBy: financePrincipal.accountId, requestedAt: '2025-03-11T09:00:00.000Z', runId: 'run_1', status: 'succeeded',
  fileKey: `exports/on-demand/${exportId}.csv`, finishedAt: '2025-03-11T09:00:05.000Z',
  result: {
    kind: 'usage', bytes: 420, differences: [],
    totals: { rows: 2, milliGpuSeconds: 3_600_000, amount: 900_000, providerAmount: 810_000, fee: 90_000, charged: 2 },
    ledger: { transactions: 2, renterDebits: 900_000, providerCredits: 810_000, platformFees: 90_000 },
  },
  gsi1pk: 'EXPORTS', gsi1sk: `2025-03-11T09:00:00.000Z#${exportId}`,
};

beforeAll(async () => {
  const env = { EXPORTS_TABLE_NAME: 'gpuhive-test-exports', EXPORTS_BUCKET_NAME: 'gpuhive-test-exports', EXPORT_URL_TTL_SECONDS: '600' };
  ({ handler: getHandler } = await importHandlerWith(() => import('#functions/exports/get-export.ts'), env));
  ({ handler: listHandler } = await importHandlerWith(() => import('#functions/exports/list-exports.ts'), env));
});

resetEachTest(dynamo, s3);

beforeEach(() => {
  dynamo.on(GetCommand).resolves({ Item: succeededItem });
  s3.on(HeadObjectCommand).resolves({ ContentLength: 420 });
});

const get = (id = exportId) =>
  getHandler(httpEvent({ routeKey: 'GET /v1/finance/exports/{exportId}', principal: financePrincipal, pathParameters: { exportId: id } }), lambdaContext('exports-get-export'));

describe('get-export handler', () => {
  it('shows rows, totals as decimal USD, the reconciliation and a signed URL that expires', async () => {
    const response = await get();

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body).toMatchObject({
      exportId, status: 'succeeded', rows: 2, reconciled: true,
      totals: { gpuSeconds: '3600.000', amount: '0.900000', providerAmount: '0.810000', fee: '0.090000' },
      ledger: { usageCharges: { transactions: 2, renterDebits: '0.900000' } },
    });
    const url = new URL(body.url);
    expect(url.pathname).toContain(`exports/on-demand/${exportId}.csv`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    expect(Date.parse(body.urlExpiresAt) - Date.now()).toBeGreaterThan(590_000);
  });

  it('shows an export whose file is gone as expired, without a URL', async () => {
    s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    const body = JSON.parse((await get()).body!);

    expect(body.status).toBe('expired');
    expect(body).not.toHaveProperty('url');
    expect(body.rows).toBe(2);
  });

  it('shows a running export without totals or URL, and never asks S3', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...succeededItem, status: 'running', result: undefined, finishedAt: undefined } });

    const body = JSON.parse((await get()).body!);

    expect(body).toEqual(expect.objectContaining({ status: 'running' }));
    expect(body).not.toHaveProperty('totals');
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('answers 404 for an unknown export and 400 for an id of another shape', async () => {
    dynamo.on(GetCommand).resolves({});
    expect((await get()).statusCode).toBe(404);
    expect((await get('job_123')).statusCode).toBe(400);
  });
});

describe('list-exports handler', () => {
  it('lists exports newest first from the byType index, with a cursor for the next page', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [succeededItem], LastEvaluatedKey: { pk: succeededItem.pk, sk: 'EXPORT', gsi1pk: 'EXPORTS', gsi1sk: succeededItem.gsi1sk } });

    const response = await listHandler(
      httpEvent({ routeKey: 'GET /v1/finance/exports', principal: financePrincipal, queryStringParameters: { limit: '1' } }),
      lambdaContext('exports-list-exports'),
    );

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body!);
    expect(body.items).toEqual([expect.objectContaining({ exportId, status: 'succeeded' })]);
    expect(body.nextCursor).toEqual(expect.any(String));
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ IndexName: 'byType', ScanIndexForward: false, Limit: 1 });
  });

  it('answers 400 naming `cursor` for a cursor it did not make', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'BALANCE#x', sk: 'BALANCE', gsi1pk: 'HOLDS#x', gsi1sk: 'a' })).toString('base64url');

    const response = await listHandler(
      httpEvent({ routeKey: 'GET /v1/finance/exports', principal: financePrincipal, queryStringParameters: { cursor: forged } }),
      lambdaContext('exports-list-exports'),
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).error.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  });
});
