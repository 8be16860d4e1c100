import { z } from 'zod';
import { periodEndText, RequestExportRequest } from '#contract/exports.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { checkSpan, readInstant } from '../domain/period.ts';

/** Any value, so that a missing or mistyped end is named with the period's own messages; documented as the contract's string. */
const instant = z
  .unknown()
  .transform((value, ctx) => {
    const read = readInstant(value);
    if ('message' in read) {
      ctx.addIssue({ code: 'custom', message: read.message });
      return z.NEVER;
    }
    return read.at;
  })
  .meta({ type: 'string', ...periodEndText.meta() });

/**
 * `POST /v1/finance/exports`: the wire contract's kind, format, and a period `from`
 * (inclusive) / `to` (exclusive) of UTC times or dates, `to` after `from`. Each bad field is
 * named (`from`, `to`, `kind`, `format`). The bound on the span is configured, so the use
 * case checks it.
 */
export const RequestExportInput = RequestExportRequest
  .extend({ from: instant, to: instant })
  .transform((input, ctx) => {
    const span = checkSpan(input.from, input.to, Number.POSITIVE_INFINITY);
    if (span) {
      ctx.addIssue({ code: 'custom', path: [span.field], message: span.message });
      return z.NEVER;
    }
    return { kind: input.kind, format: input.format, period: { from: input.from, to: input.to } };
  });

type _RequestExportReadsContract = Holds<ReadsContractBody<typeof RequestExportInput, typeof RequestExportRequest>>;

export const ExportPath = z.object({
  exportId: z.string().regex(/^exp_[0-9a-z_]{8,60}$/, 'must be an export id such as "exp_01jz3k5q7w9d2c4m6n8pqrst"'),
});

export const ListExportsQuery = z.object({ ...pageQuery });
