import { microUsd, type MicroUsd } from '#platform/money.ts';
import type { AccountEntry } from './ledger.ts';

/**
 * A monthly statement (API contract: `GET /v1/billing/statements/{yyyy-mm}`), computed from
 * the ledger, which is the only truth: the opening balance is the sum of every entry before
 * the month, the closing balance that plus every entry in it. Charges are grouped per job
 * (what a renter paid, positive) and earnings per host (what a provider earned), each usage
 * entry found through its usage record's charge.
 */
export type StatementKind = 'renter' | 'provider';

export interface Statement {
  readonly month: string;
  readonly accountId: string;
  readonly kind: StatementKind;
  readonly openingBalance: MicroUsd;
  readonly closingBalance: MicroUsd;
  readonly credits: readonly { readonly transactionId: string; readonly amount: MicroUsd; readonly reference: string | null; readonly postedAt: string }[];
  readonly charges: readonly StatementLine<'jobId'>[];
  readonly earnings: readonly StatementLine<'hostId'>[];
  /** Providers: payouts made from the balance (`payout`) and failed ones that came back (`payout_returned`). */
  readonly payouts: readonly StatementPayout[];
  /** `payouts`: what left the balance for payouts, net of returns. */
  readonly totals: { readonly credits: MicroUsd; readonly charges: MicroUsd; readonly earnings: MicroUsd; readonly payouts: MicroUsd };
}

export interface StatementPayout {
  readonly payoutId: string;
  readonly kind: 'payout' | 'payout_returned';
  /** Positive: paid out of the balance for a payout, or back into it for a return. */
  readonly amount: MicroUsd;
  readonly postedAt: string;
}

export type StatementLine<K extends 'jobId' | 'hostId'> = { readonly [key in K]: string } & {
  readonly amount: MicroUsd;
  /** Billed GPU-milliseconds, to be shown as seconds. */
  readonly gpuMs: number;
  readonly records: number;
};

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month's bounds as ledger times: `from` inclusive, `to` exclusive; undefined when malformed. */
export const monthRange = (month: string): { readonly from: string; readonly to: string } | undefined => {
  const match = MONTH.exec(month);
  if (!match) return undefined;
  const year = Number(match[1]);
  const index = Number(match[2]) - 1;
  return { from: new Date(Date.UTC(year, index, 1)).toISOString(), to: new Date(Date.UTC(year, index + 1, 1)).toISOString() };
};

/** A month that has not begun yet has no statement. */
export const isFutureMonth = (month: string, now: Date): boolean => (monthRange(month)?.from ?? '') > now.toISOString();

const sum = (amounts: readonly number[]): MicroUsd => microUsd(amounts.reduce((total, amount) => total + amount, 0));

/** What a statement needs of a usage entry's charge: one record's, or a chunk's (`records` of them). */
export interface ChargedUsageLine {
  readonly jobId: string;
  readonly hostId: string;
  readonly gpuSeconds: number;
  readonly records?: number;
}

const group = <K extends 'jobId' | 'hostId'>(
  key: K,
  lines: readonly { readonly id: string; readonly amount: number; readonly gpuMs: number; readonly records: number }[],
): StatementLine<K>[] => {
  const byId = new Map<string, { amount: number; gpuMs: number; records: number }>();
  for (const line of lines) {
    const known = byId.get(line.id) ?? { amount: 0, gpuMs: 0, records: 0 };
    byId.set(line.id, { amount: known.amount + line.amount, gpuMs: known.gpuMs + line.gpuMs, records: known.records + line.records });
  }
  return [...byId].map(([id, line]) => ({ [key]: id, amount: microUsd(line.amount), gpuMs: line.gpuMs, records: line.records }) as StatementLine<K>);
};

/**
 * Builds the statement from the entries before the month (their sum), the month's entries,
 * and the charges their usage references name. A usage entry whose charge cannot be found
 * is a bug in the ledger: it throws rather than print a statement that does not add up.
 */
export const buildStatement = (input: {
  readonly month: string;
  readonly accountId: string;
  readonly kind: StatementKind;
  readonly openingBalance: MicroUsd;
  readonly entries: readonly AccountEntry[];
  readonly charges: ReadonlyMap<string, ChargedUsageLine>;
}): Statement => {
  const credits = input.entries
    .filter((entry) => entry.kind === 'credit')
    .map((entry) => ({ transactionId: entry.transactionId, amount: entry.amount, reference: entry.reference, postedAt: entry.postedAt }))
    .sort((a, b) => a.postedAt.localeCompare(b.postedAt));
  const usage = input.entries
    .filter((entry) => entry.kind === 'usage_charge')
    .map((entry) => {
      const charge = entry.reference ? input.charges.get(entry.reference) : undefined;
      if (!charge) throw new Error(`ledger entry ${entry.entryId} names no known usage charge (${entry.reference ?? 'no reference'})`);
      return { entry, charge, gpuMs: Math.round(charge.gpuSeconds * 1000), records: charge.records ?? 1 };
    });
  const charges = input.kind === 'renter'
    ? group('jobId', usage.filter(({ entry }) => entry.amount < 0).map(({ entry, charge, gpuMs, records }) => ({ id: charge.jobId, amount: -entry.amount, gpuMs, records })))
    : [];
  const earnings = input.kind === 'provider'
    ? group('hostId', usage.filter(({ entry }) => entry.amount > 0).map(({ entry, charge, gpuMs, records }) => ({ id: charge.hostId, amount: entry.amount, gpuMs, records })))
    : [];
  const payouts: StatementPayout[] = input.entries
    .filter((entry) => entry.kind === 'payout' || entry.kind === 'payout_returned')
    .map((entry) => ({
      payoutId: entry.reference ?? '',
      kind: entry.kind as StatementPayout['kind'],
      amount: microUsd(Math.abs(entry.amount)),
      postedAt: entry.postedAt,
    }))
    .sort((a, b) => a.postedAt.localeCompare(b.postedAt));
  return {
    month: input.month,
    accountId: input.accountId,
    kind: input.kind,
    openingBalance: input.openingBalance,
    closingBalance: microUsd(input.openingBalance + sum(input.entries.map((entry) => entry.amount))),
    credits,
    charges,
    earnings,
    payouts,
    totals: {
      credits: sum(credits.map((credit) => credit.amount)),
      charges: sum(charges.map((line) => line.amount)),
      earnings: sum(earnings.map((line) => line.amount)),
      payouts: sum(payouts.map((line) => (line.kind === 'payout' ? line.amount : -line.amount))),
    },
  };
};
