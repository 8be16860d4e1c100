import type { BalanceResponse, LedgerEntryResponse, StatementResponse } from '../../shared/contract/billing.ts';
import { allPages } from '../api.ts';
import { intFlag, noPositionals, stringFlag, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { duration, table, time, usd } from '../format.ts';
import { line, printJson } from '../output.ts';

type Balance = BalanceResponse;

type LedgerEntry = LedgerEntryResponse;

export const balance: Command = {
  name: 'balance',
  summary: 'Your balance; for renters also what is held for jobs, what is available and how long running jobs can go on.',
  options: {},
  async run(context, input) {
    noPositionals(input);
    const api = await context.api();
    const result = await api.get<Balance>('/v1/billing/balance');
    if (context.json) {
      printJson(context.output, result);
      return 0;
    }
    const rows: [string, string][] = [['Balance', usd(result.balance)]];
    if (result.held !== undefined) rows.push(['Held', usd(result.held)]);
    if (result.available !== undefined) rows.push(['Available', usd(result.available)]);
    if (result.runwaySeconds !== undefined) rows.push(['Runway', result.runwaySeconds === null ? 'no job running' : duration(result.runwaySeconds)]);
    context.output.out(rows.map(([name, value]) => `${`${name}:`.padEnd(11)}${value}`).join('\n') + '\n');
    return 0;
  },
};

export const ledgerTable = (entries: readonly LedgerEntry[]): string =>
  table(
    ['POSTED', 'KIND', 'AMOUNT', 'REFERENCE', 'TRANSACTION'],
    entries.map((entry) => [time(entry.postedAt), entry.kind, usd(entry.amount), entry.reference ?? '-', entry.transactionId]),
  );

export const ledger: Command = {
  name: 'ledger',
  summary: 'Your ledger entries (credits, charges, earnings), newest first.',
  options: {
    from: { type: 'string', value: 'TIME', description: 'from this date or ISO time (inclusive)' },
    to: { type: 'string', value: 'TIME', description: 'before this date or ISO time' },
    limit: { type: 'string', value: 'N', description: 'at most N entries (1-10000, default 20)' },
  },
  async run(context, input) {
    noPositionals(input);
    const limit = intFlag(input, 'limit', 1, 10_000) ?? 20;
    const api = await context.api();
    const entries = await allPages<LedgerEntry>(api, '/v1/billing/ledger', { from: stringFlag(input, 'from'), to: stringFlag(input, 'to') }, limit);
    if (context.json) printJson(context.output, entries);
    else if (entries.length === 0) line(context.output, 'No ledger entries.');
    else context.output.out(ledgerTable(entries));
    return 0;
  },
};

/** `GET /v1/billing/statements/{yyyy-mm}`: the wire contract's type (shared/contract/billing.ts). */
export type Statement = StatementResponse;

const gpuHours = (seconds: number) => (seconds / 3600).toFixed(2);

export const statementText = (statement: Statement): string => {
  const parts = [`Statement for ${statement.month}, ${statement.kind} ${statement.accountId}`, `Opening balance: ${usd(statement.openingBalance)}`, ''];
  if (statement.earnings.length > 0) {
    parts.push(table(['HOST', 'GPU-HOURS', 'RECORDS', 'EARNED'], statement.earnings.map((row) => [row.hostId, gpuHours(row.gpuSeconds), String(row.records), usd(row.amount)])));
  }
  if (statement.charges.length > 0) {
    parts.push(table(['JOB', 'GPU-HOURS', 'RECORDS', 'CHARGED'], statement.charges.map((row) => [row.jobId, gpuHours(row.gpuSeconds), String(row.records), usd(row.amount)])));
  }
  if (statement.credits.length > 0) {
    parts.push(table(['CREDITED', 'AMOUNT', 'REFERENCE'], statement.credits.map((row) => [time(row.postedAt), usd(row.amount), row.reference ?? '-'])));
  }
  if (statement.payouts && statement.payouts.length > 0) {
    parts.push(table(['PAYOUT', 'KIND', 'AMOUNT', 'POSTED'], statement.payouts.map((row) => [row.payoutId, row.kind === 'payout' ? 'paid out' : 'returned', usd(row.amount), time(row.postedAt)])));
  }
  if (statement.earnings.length + statement.charges.length + statement.credits.length + (statement.payouts?.length ?? 0) === 0) parts.push('Nothing this month.\n');
  parts.push(
    [
      statement.kind === 'provider' ? `Earned:          ${usd(statement.totals.earnings)}` : `Charged:         ${usd(statement.totals.charges)}`,
      `Credits:         ${usd(statement.totals.credits)}`,
      ...(statement.kind === 'provider' && statement.totals.payouts !== undefined ? [`Paid out:        ${usd(statement.totals.payouts)}`] : []),
      `Closing balance: ${usd(statement.closingBalance)}`,
    ].join('\n') + '\n',
  );
  return parts.join('\n').replace(/\n{3,}/g, '\n\n');
};

export const currentMonth = (now: Date): string => now.toISOString().slice(0, 7);

export const earnings: Command = {
  name: 'earnings',
  summary: "A month's statement: for providers, earnings per host; for renters, charges per job. Default: this month (UTC).",
  args: '[YYYY-MM]',
  options: {},
  async run(context, input) {
    if (input.positionals.length > 1) throw new UsageError(`Unexpected argument "${input.positionals[1]}".`, 'earnings');
    const month = input.positionals[0] ?? currentMonth(context.now());
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError(`The month must look like 2026-11, not "${month}".`, 'earnings');
    const api = await context.api();
    const statement = await api.get<Statement>(`/v1/billing/statements/${month}`);
    if (context.json) printJson(context.output, statement);
    else context.output.out(statementText(statement));
    return 0;
  },
};
