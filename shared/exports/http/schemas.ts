import { z } from 'zod';
import { pageQuery } from '#platform/pagination.ts';
import { checkSpan, readInstant } from '../domain/period.ts';

const instant = z.unknown().transform((value, ctx) => {
  const read = readInstant(value);
  if ('message' in read) {
    ctx.addIssue({ code: 'custom', message: read.message });
    return z.NEVER;
  }
  return read.at;
});

/**
 * `POST /v1/finance/exports`: kind, format, and a period `from` (inclusive) / `to`
 * (exclusive) of UTC times or dates, `to` after `from`. Each bad field is named (`from`, `to`,
 * `kind`, `format`). The bound on the span is configured, so the use case checks it.
 */
export const RequestExportInput = z
  .strictObject({
    kind: z.enum(['usage', 'ledger', 'payouts'], { error: 'must be "usage", "ledger" or "payouts"' }),
    format: z.enum(['csv', 'jsonl'], { error: 'must be "csv" or "jsonl"' }).default('csv'),
    from: instant,
    to: instant,
  })
  .transform((input, ctx) => {
    const span = checkSpan(input.from, input.to, Number.POSITIVE_INFINITY);
    if (span) {
      ctx.addIssue({ code: 'custom', path: [span.field], message: span.message });
      return z.NEVER;
    }
    return { kind: input.kind, format: input.format, period: { from: input.from, to: input.to } };
  });

export const ExportPath = z.object({
  exportId: z.string().regex(/^exp_[0-9a-z_]{8,60}$/, 'must be an export id such as "exp_01jz3k5q7w9d2c4m6n8pqrst"'),
});

export const ListExportsQuery = z.object({ ...pageQuery });
