import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '#platform/principal.ts';
import { httpEvent, lambdaContext } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

type Handler = (typeof import('#functions/logs/record-logs.ts'))['handler'];
let handler: Handler;

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/logs/record-logs.ts'), { LOGS_TABLE_NAME: 'gpuhive-test-logs', LOGS_BUCKET_NAME: 'gpuhive-test-exports' }));
});

const agent: Principal = { kind: 'agent', role: 'agent', hostId: 'host_1', providerId: 'acct_p' };
const assignmentId = 'job_01m8aeft5w026cqe94e5cg.a1.r0';

resetEachTest(dynamo, s3);

beforeEach(() => {
  dynamo.on(GetCommand, { Key: { pk: `ASSIGNMENT#${assignmentId}`, sk: 'ASSIGNMENT' } }).resolves({
    Item: { jobId: 'job_01m8aeft5w026cqe94e5cg', hostId: 'host_1', renterId: 'acct_r', rank: 0 },
  });
  dynamo.on(GetCommand, { Key: { pk: 'JOB#job_01m8aeft5w026cqe94e5cg', sk: 'HEAD' } }).resolves({
    Item: { jobId: 'job_01m8aeft5w026cqe94e5cg', renterId: 'acct_r', bytes: 0, truncated: false, segments: 3 },
  });
  dynamo.on(BatchGetCommand).resolves({ Responses: { 'gpuhive-test-logs': [{ seq: 0 }] } });
  dynamo.on(TransactWriteCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});

const post = (body: unknown) =>
  handler(
    httpEvent({ routeKey: 'POST /v1/agent/assignments/{assignmentId}/logs', principal: agent, pathParameters: { assignmentId }, body: JSON.stringify(body) }),
    lambdaContext('record-logs'),
  );

const chunk = (seq: number, data = 'hello\n') => ({ seq, stream: 'stdout', at: '2026-11-25T10:00:00Z', data });

describe('record-logs handler', () => {
  it('answers 202 with what it accepted and what was a duplicate', async () => {
    const response = await post({ chunks: [chunk(0), chunk(1), chunk(2)] });
    expect([response.statusCode, JSON.parse(response.body!)]).toEqual([202, { accepted: 2, duplicates: 1, dropped: 0 }]);
  });

  it('writes the new chunks under logs/<job>/<assignment>/ and commits them as segment 3 with one marker per seq', async () => {
    await post({ chunks: [chunk(1), chunk(2)] });

    const key = s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Key;
    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(key).toMatch(/^logs\/job_01m8aeft5w026cqe94e5cg\/job_01m8aeft5w026cqe94e5cg\.a1\.r0\/1-2-[0-9a-f]{16}\.json$/);
    expect(items.map((item) => item.Put?.Item?.sk ?? item.Update?.ConditionExpression)).toEqual([
      '#segments = :expected', 'SEG#0000000003', 'SEQ#0000000001', 'SEQ#0000000002',
    ]);
  });

  it('takes a batch larger than the API\'s usual 256 KiB limit (up to 50 chunks of 64 KiB)', async () => {
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    const response = await post({ chunks: Array.from({ length: 5 }, (_unused, seq) => chunk(seq, 'x'.repeat(64 * 1024))) });
    expect(response.statusCode).toBe(202);
  });

  it('answers 400 naming a chunk over 64 KiB, and more than 50 chunks', async () => {
    const big = await post({ chunks: [chunk(0, 'x'.repeat(64 * 1024 + 1))] });
    const many = await post({ chunks: Array.from({ length: 51 }, (_unused, seq) => chunk(seq)) });
    expect([big.statusCode, JSON.parse(big.body!).error.details[0].field, many.statusCode, JSON.parse(many.body!).error.details[0].field]).toEqual([
      400, 'chunks.0.data', 400, 'chunks',
    ]);
  });

  it('answers 404 to another host\'s agent and writes nothing', async () => {
    const response = await handler(
      httpEvent({
        routeKey: 'POST /v1/agent/assignments/{assignmentId}/logs',
        principal: { ...agent, hostId: 'host_2' },
        pathParameters: { assignmentId },
        body: JSON.stringify({ chunks: [chunk(1)] }),
      }),
      lambdaContext('record-logs'),
    );
    expect([response.statusCode, s3.commandCalls(PutObjectCommand).length, dynamo.commandCalls(TransactWriteCommand).length]).toEqual([404, 0, 0]);
  });
});
