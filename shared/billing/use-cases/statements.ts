import { ValidationError } from '#platform/errors.ts';
import { microUsd } from '#platform/money.ts';
import type { AccountEntry } from '../domain/ledger.ts';
import { buildStatement, isFutureMonth, monthRange, type Statement, type StatementKind } from '../domain/statement.ts';
import type { ChargedUsage, LedgerRange } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

const PAGE = 1000;

/** Every entry of the account in the range, page by page. */
const allEntries = async (accountId: string, range: LedgerRange, deps: Pick<BillingDeps, 'ledger'>): Promise<AccountEntry[]> => {
  const entries: AccountEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.ledger.listEntries(accountId, range, PAGE, cursor);
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
};

/**
 * `GET /v1/billing/statements/{yyyy-mm}`. Steps: refuse a malformed month or one that has
 * not begun (400 naming `month`); sum the entries before the month (the opening balance:
 * entries are posted at the time they are written, so the past never changes); read the
 * month's entries and the usage charges (of a record, or of a chunk of records) they reference; build the statement (domain).
 * The opening sum reads the account's whole history: a closing snapshot per month is the
 * next step if accounts grow long ledgers.
 */
export const getStatement = async (
  principal: { readonly accountId: string; readonly kind: StatementKind },
  month: string,
  deps: Pick<BillingDeps, 'ledger' | 'charges' | 'clock'>,
): Promise<Statement> => {
  const range = monthRange(month);
  if (!range) throw new ValidationError([{ field: 'path.month', message: 'must be a month such as "2026-11"' }]);
  if (isFutureMonth(month, deps.clock.now())) throw new ValidationError([{ field: 'path.month', message: 'must not be a month in the future' }]);
  const [before, entries] = await Promise.all([
    allEntries(principal.accountId, { to: range.from }, deps),
    allEntries(principal.accountId, range, deps),
  ]);
  const references = [...new Set(entries.filter((entry) => entry.kind === 'usage_charge' && entry.reference).map((entry) => entry.reference as string))];
  const charges = new Map<string, ChargedUsage>((await deps.charges.getCharges(references)).map((charge) => [charge.usageRecordId, charge]));
  // The rest reference chunks: charged together since issue 14, one entry for all their records.
  const chunkIds = references.filter((reference) => !charges.has(reference));
  if (chunkIds.length > 0) for (const [chunkId, usage] of await deps.charges.getChunkUsage(chunkIds)) charges.set(chunkId, usage);
  return buildStatement({
    month,
    accountId: principal.accountId,
    kind: principal.kind,
    openingBalance: microUsd(before.reduce((total, entry) => total + entry.amount, 0)),
    entries: [...entries].reverse(),
    charges,
  });
};
