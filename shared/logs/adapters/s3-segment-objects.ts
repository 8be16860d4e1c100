import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { LogChunk } from '../domain/log-chunks.ts';
import type { SegmentObjects } from '../ports.ts';

const stored = z.array(z.object({ seq: z.number().int(), stream: z.enum(['stdout', 'stderr']), at: z.string(), data: z.string() }));

/** One JSON object per stored batch under `logs/`, in the bucket the logs context shares by prefix. */
export class S3SegmentObjects implements SegmentObjects {
  constructor(
    private readonly bucket: string,
    private readonly s3: S3Client,
  ) {}

  async put(key: string, chunks: readonly LogChunk[]): Promise<void> {
    const body = JSON.stringify(chunks.map(({ seq, stream, at, data }) => ({ seq, stream, at, data })));
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }));
  }

  async get(key: string): Promise<readonly LogChunk[] | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return stored.parse(JSON.parse((await object.Body?.transformToString('utf8')) ?? '[]'));
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
