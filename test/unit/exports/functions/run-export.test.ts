import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext, sampleDetail } from '#test/support/factories.ts';
import { importHandlerWith, resetEachTest } from '#test/support/handler-import.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

let handler: (typeof import('#functions/exports/run-export.ts'))['handler'];

const detail = sampleDetail('exportRequested');
const exportItem = {
  pk: `EXPORT#${detail.exportId}`, sk: 'EXPORT', exportId: detail.exportId, kind: 'usage', format: 'csv', from: detail.from, to: detail.to, daily: false,
  requestedBy: 'acct_finance00000001', requestedAt: '2025-03-11T09:00:00.000Z', runId: detail.runId, status: 'running', fileKey: `exports/on-demand/${detail.exportId}.csv`,
};

const sqsEvent = (body: unknown): SQSEvent => ({
  Records: [{
    messageId: 'm1', receiptHandle: 'r1', body: JSON.stringify(body), md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:0:q', awsRegion: 'us-east-1',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' }, messageAttributes: {},
  }],
});

const envelope = (payload: Record<string, unknown>) => ({ id: 'e1', source: 'gpuhive.exports', 'detail-type': 'export.requested', time: '2025-03-11T09:00:00Z', detail: payload });

beforeAll(async () => {
  ({ handler } = await importHandlerWith(() => import('#functions/exports/run-export.ts'), {
    EXPORTS_TABLE_NAME: 'gpuhive-test-exports',
    BILLING_TABLE_NAME: 'gpuhive-test-billing',
    EXPORTS_BUCKET_NAME: 'gpuhive-test-exports-bucket',
  }));
});

resetEachTest(dynamo, s3);

beforeEach(() => {
  dynamo.on(GetCommand).resolves({ Item: exportItem });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(UpdateCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});

describe('run-export consumer', () => {
  it('writes the file into the exports bucket and records the export as succeeded for its run', async () => {
    const response = await handler(sqsEvent(envelope(detail)), lambdaContext('exports-run-export'));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'gpuhive-test-exports-bucket', Key: exportItem.fileKey, ContentType: expect.stringContaining('text/csv') });
    const update = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({ ConditionExpression: 'runId = :runId AND #status = :running', ExpressionAttributeValues: expect.objectContaining({ ':status': 'succeeded', ':runId': detail.runId }) });
    expect(dynamo.commandCalls(QueryCommand).every((call) => call.args[0].input.TableName === 'gpuhive-test-billing')).toBe(true);
  });

  it('records a run whose file cannot be written as failed, and does not ask for the message again', async () => {
    s3.on(PutObjectCommand).rejects(new Error('access denied'));

    const response = await handler(sqsEvent(envelope(detail)), lambdaContext('exports-run-export'));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':status': 'failed' });
  });

  it('fails a message that is not an export.requested it can parse, so that it ends in the DLQ', async () => {
    // A batch whose every record failed is refused whole (Powertools), and Lambda hands it back to SQS.
    await expect(handler(sqsEvent(envelope({ ...detail, kind: 'invoices' })), lambdaContext('exports-run-export'))).rejects.toThrow('All records failed');

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
