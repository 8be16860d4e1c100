import { z } from 'zod';
import { AddCreditsRequest } from '#contract/billing.ts';
import { usdField } from '#platform/money.ts';
import { pageQuery } from '#platform/pagination.ts';
import type { Holds, ReadsContractBody } from '#platform/wire-input.ts';
import { MAX_CREDIT } from '../domain/ledger.ts';

/**
 * Account ids as the accounts context makes them (`acct_` and a base32 tail). Billing
 * cannot check that the account exists (it has no port on the accounts table), only that
 * the id has that form.
 */
export const AccountPath = z.object({
  accountId: z.string().regex(/^acct_[0-9a-z]{10,40}$/, 'must be an account id such as "acct_01jz3k5q7w9d2c4m6n8pqrst"'),
});

/** The wire contract's body, its amount read into micro-USD. */
export const AddCreditsInput = AddCreditsRequest.extend({
  amount: usdField.refine((amount) => amount > 0 && amount <= MAX_CREDIT, {
    message: 'must be more than 0 and at most 1000000.000000 USD',
  }),
});
type _AddCreditsReadsContract = Holds<ReadsContractBody<typeof AddCreditsInput, typeof AddCreditsRequest>>;

const timeMessage = 'must be an ISO-8601 time such as "2025-03-10T10:00:00Z", or a date such as "2025-03-10"';

/** An ISO-8601 time with any offset, or a date (its midnight UTC), as the UTC form the ledger sorts by. */
const timeField = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: timeMessage })
  .transform((text) => new Date(text).toISOString());

/** `from` inclusive, `to` exclusive. */
export const LedgerQuery = z
  .object({ ...pageQuery, from: timeField.optional(), to: timeField.optional() })
  .refine((query) => query.from === undefined || query.to === undefined || query.from <= query.to, {
    path: ['from'],
    message: 'must not be after to',
  });

/** `yyyy-mm`; whether the month has begun is the use case's check (it needs the clock). */
export const StatementPath = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month such as "2026-11"'),
});
