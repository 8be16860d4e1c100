import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3ExportFiles } from '#exports/adapters/s3-export-files.ts';

const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const s3 = mockClient(client);

afterAll(() => s3.restore());
beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `etag-${input.PartNumber}` }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
});

/** `count` chunks of 1 MiB of CSV-like text. */
async function* megabytes(count: number, failAfter?: number): AsyncGenerator<string> {
  const line = `${'x'.repeat(1023)}\n`;
  const chunk = line.repeat(1024);
  for (let n = 0; n < count; n += 1) {
    if (failAfter !== undefined && n === failAfter) throw new Error('the billing read failed');
    yield chunk;
  }
}

describe('S3ExportFiles', () => {
  it('writes a small file in one PutObject, with its content type and download name', async () => {
    const files = new S3ExportFiles('bucket', client);

    const written = await files.write('exports/on-demand/exp_1.csv', 'text/csv', 'gpuhive-usage-exp_1.csv', (async function* () { yield 'a,b\r\n'; })());

    expect(written).toEqual({ bytes: 5 });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'bucket', Key: 'exports/on-demand/exp_1.csv', ContentType: 'text/csv', ContentDisposition: 'attachment; filename="gpuhive-usage-exp_1.csv"',
    });
  });

  it('streams a large file as a multipart upload of 8 MiB parts', async () => {
    const files = new S3ExportFiles('bucket', client);

    const written = await files.write('exports/daily/2025/03/10/usage.csv', 'text/csv', 'usage.csv', megabytes(20));

    expect(written.bytes).toBe(20 * 2 ** 20);
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.map((part) => part.PartNumber)).toEqual([1, 2, 3]);
    expect(parts.map((part) => (part.Body as Buffer).length)).toEqual([8 * 2 ** 20, 8 * 2 ** 20, 4 * 2 ** 20]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
  });

  it('aborts the upload and rethrows when the rows cannot be read to the end', async () => {
    const files = new S3ExportFiles('bucket', client);

    await expect(files.write('exports/on-demand/exp_2.csv', 'text/csv', 'x.csv', megabytes(20, 12))).rejects.toThrow('the billing read failed');

    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    // lib-storage aborts the multipart upload once its part loop sees the abort (the bucket's lifecycle would clean up after a day anyway).
    await vi.waitFor(() => expect(s3.commandCalls(AbortMultipartUploadCommand).map((call) => call.args[0].input.UploadId)).toEqual(['upload-1']));
  });

  it('knows a missing file from a present one', async () => {
    s3.on(HeadObjectCommand, { Key: 'there' }).resolves({});
    s3.on(HeadObjectCommand, { Key: 'gone' }).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
    const files = new S3ExportFiles('bucket', client);

    expect(await files.exists('there')).toBe(true);
    expect(await files.exists('gone')).toBe(false);
  });
});
