import { z } from 'zod';
import { MAX_CHUNK_BYTES, MAX_CHUNKS_PER_REQUEST } from '../domain/log-chunks.ts';

/** 50 chunks of 64 KiB with JSON's escapes; Lambda takes at most 6 MB per request. */
export const MAX_LOG_BODY_BYTES = 4 * 1024 * 1024;

/** Ids become parts of keys joined by `#`: printable, no spaces, no `#`. */
const keyPart = z.string().min(1).max(128).regex(/^[\x21-\x22\x24-\x7e]+$/, 'must be printable, without spaces or "#"');

export const LogChunkInput = z.strictObject({
  seq: z.number().int().min(0).max(2_147_483_647),
  stream: z.enum(['stdout', 'stderr']),
  at: z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString()),
  data: z.string().refine((data) => Buffer.byteLength(data, 'utf8') <= MAX_CHUNK_BYTES, `must be at most ${MAX_CHUNK_BYTES} bytes of UTF-8`),
});

export const RecordLogsInput = z.strictObject({ chunks: z.array(LogChunkInput).min(1).max(MAX_CHUNKS_PER_REQUEST) });
export const AssignmentPath = z.object({ assignmentId: keyPart });

export const JobPath = z.object({ jobId: keyPart });
export const JobLogsQuery = z.object({
  since: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
