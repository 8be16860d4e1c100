import { z } from 'zod';
import { pageQuery } from '#platform/pagination.ts';

/** The longest interval one record may cover: agents report every minute and at the end. */
export const MAX_RECORD_SECONDS = 24 * 3600;
export const MAX_RECORDS = 100;

/** Ids become parts of keys joined by `#`: printable, no spaces, no `#`. */
const keyPart = z.string().min(1).max(128).regex(/^[\x21-\x22\x24-\x7e]+$/, 'must be printable, without spaces or "#"');
const time = z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString());

export const UsageRecordInput = z
  .strictObject({
    eventId: keyPart,
    assignmentId: keyPart,
    from: time,
    to: time,
    gpuSeconds: z.number().nonnegative().finite().max(1e9),
    gpuUtilization: z.number().min(0).max(100).optional(),
  })
  .superRefine((record, ctx) => {
    const wall = Date.parse(record.to) - Date.parse(record.from);
    if (wall <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (wall > MAX_RECORD_SECONDS * 1000) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_RECORD_SECONDS} seconds after from` });
  });

export const RecordUsageInput = z.strictObject({ records: z.array(UsageRecordInput).min(1).max(MAX_RECORDS) });

export const JobPath = z.object({ jobId: z.string().min(1).max(64) });
export const HostPath = z.object({ hostId: z.string().min(1).max(64) });
export const HostUsageQuery = z.object({ ...pageQuery });
