import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NotFound, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFiles } from '../ports.ts';

/** 8 MiB parts, at most 2 in flight: memory stays near 16 MiB of buffers whatever the file's size. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/**
 * The exports prefix of the bucket. `write` streams chunks through a PassThrough into a
 * lib-storage `Upload` (one PutObject for a small file, a multipart upload for a large one),
 * waiting whenever the stream's buffer is full, so the producer never runs ahead of S3.
 */
export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client,
  ) {}

  async write(key: string, contentType: string, downloadName: string, chunks: AsyncIterable<string>): Promise<{ readonly bytes: number }> {
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ContentDisposition: `attachment; filename="${downloadName}"`,
      },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const uploaded = upload.done();
    let bytes = 0;
    try {
      for await (const chunk of chunks) {
        const buffer = Buffer.from(chunk, 'utf8');
        bytes += buffer.length;
        if (!body.write(buffer)) await Promise.race([once(body, 'drain'), uploaded]);
      }
      body.end();
      await uploaded;
    } catch (error) {
      body.destroy();
      await upload.abort().catch(() => undefined);
      await uploaded.catch(() => undefined);
      throw error;
    }
    return { bytes };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        return false;
      }
      throw error;
    }
  }

  signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}
