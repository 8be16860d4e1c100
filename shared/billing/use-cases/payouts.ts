import { newEvent } from '#events/define.ts';
import { events } from '#events/index.ts';
import { newId } from '#platform/ids.ts';
import type { MicroUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import type { AccountEntry } from '../domain/ledger.ts';
import type { PayoutMethod, PayoutMethodDetails } from '../domain/payout-method.ts';
import {
  PayoutBatchNotFoundError,
  PayoutNotFoundError,
  payableAmount,
  payoutAmountOf,
  payoutTransaction,
  settledPayout,
  settlementCutoff,
  settlementDecision,
  settlementTransaction,
  shouldPay,
  type Payout,
  type PayoutBatch,
} from '../domain/payouts.ts';
import type { PayoutFilter } from '../ports.ts';
import type { BillingDeps } from './deps.ts';

type PayoutDeps = Pick<BillingDeps, 'payouts' | 'ledger' | 'balances' | 'clock' | 'settlementDelaySeconds'>;

const PAGE = 1000;

/** Sets (replaces) the provider's payout method and threshold. Emits nothing. */
export const setPayoutMethod = async (
  input: { readonly providerId: string; readonly method: PayoutMethodDetails; readonly threshold: MicroUsd | null },
  deps: Pick<BillingDeps, 'payouts' | 'clock'>,
): Promise<PayoutMethod> => {
  const method: PayoutMethod = { providerId: input.providerId, method: input.method, threshold: input.threshold, updatedAt: deps.clock.now().toISOString() };
  await deps.payouts.saveMethod(method);
  return method;
};

/** The entries of the account posted at or after `from`. */
const entriesSince = async (accountId: string, from: string, deps: Pick<BillingDeps, 'ledger'>): Promise<AccountEntry[]> => {
  const entries: AccountEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.ledger.listEntries(accountId, { from }, PAGE, cursor);
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
};

/**
 * What is payable to the provider as of `asOf` (domain `payableAmount`). The order of the reads
 * is the guarantee: the cursor first, then the balance, then the recent entries. A payout made
 * after the cursor was read makes this payout's own write fail; a charge posted after the
 * balance was read only adds an unsettled entry that is subtracted without having been counted
 * in, so a race can make the amount smaller, never larger.
 */
export const payableNow = async (providerId: string, asOf: Date, deps: PayoutDeps): Promise<{ readonly payable: MicroUsd; readonly cursorVersion: number; readonly cutoff: string }> => {
  const cutoff = settlementCutoff(asOf, deps.settlementDelaySeconds);
  const cursorVersion = await deps.payouts.getCursorVersion(providerId);
  const balance = await deps.balances.get(providerId);
  const recentEntries = await entriesSince(providerId, cutoff, deps);
  return { payable: payableAmount({ balance: balance.available, recentEntries, cutoff }), cursorVersion, cutoff };
};

/** One provider's payout in a batch: made, or why not. */
export type BatchOutcome = 'paid' | 'below_threshold' | 'nothing_payable' | 'raced';

/** Makes the payout of one provider in a batch, if it is owed one. */
export const payProvider = async (method: PayoutMethod, batch: PayoutBatch, deps: PayoutDeps): Promise<{ readonly outcome: BatchOutcome; readonly payout?: Payout }> => {
  const asOf = new Date(batch.createdAt);
  const { payable, cursorVersion, cutoff } = await payableNow(method.providerId, asOf, deps);
  const amount = payoutAmountOf(payable);
  if (amount <= 0) return { outcome: 'nothing_payable' };
  if (!shouldPay(amount, method.threshold)) return { outcome: 'below_threshold' };
  const now = deps.clock.now();
  const payoutId = newId('pay', now);
  const transaction = payoutTransaction({
    transactionId: newId('txn', now), payoutId, providerId: method.providerId, amount, postedAt: now.toISOString(),
    entryIds: [newId('ent', now), newId('ent', now)],
  });
  const payout: Payout = {
    payoutId, batchId: batch.batchId, providerId: method.providerId, amount, method: method.method, status: 'in_transit',
    settledBefore: cutoff, createdAt: now.toISOString(), transactionId: transaction.transactionId,
    reference: null, failureReason: null, settledAt: null, settlementTransactionId: null, version: 1,
  };
  const written = await deps.payouts.createPayout({ payout, transaction, cursorVersion });
  // Another batch paid this provider since the cursor was read: what it paid is gone from the
  // balance, and what is left is the next batch's, so this batch leaves the provider alone.
  return written === 'created' ? { outcome: 'paid', payout } : { outcome: 'raced' };
};

/**
 * Makes a payout batch (the weekly schedule, or finance on demand). Steps: record the batch
 * (its time fixes what is settled); for each provider with a method, compute what is payable
 * as of the batch's time and, when it reaches the provider's threshold, make the payout and
 * move its amount to payouts in transit in one write (`payProvider`); record the batch's count
 * and total. A provider that fails is logged by `onError` and left to the next batch; a batch
 * run twice at once pays each provider once. Emits no event (the money is not paid yet).
 */
export const createPayoutBatch = async (
  input: { readonly requestedBy: string },
  deps: PayoutDeps,
  onError: (providerId: string, error: unknown) => void = () => undefined,
): Promise<{ readonly batch: PayoutBatch; readonly payouts: readonly Payout[]; readonly skipped: Readonly<Record<Exclude<BatchOutcome, 'paid'>, number>> }> => {
  const now = deps.clock.now();
  const started: PayoutBatch = {
    batchId: newId('pob', now), requestedBy: input.requestedBy, createdAt: now.toISOString(),
    settledBefore: settlementCutoff(now, deps.settlementDelaySeconds), payouts: null, total: null,
  };
  await deps.payouts.saveBatch(started);
  const payouts: Payout[] = [];
  const skipped = { below_threshold: 0, nothing_payable: 0, raced: 0 };
  let cursor: string | undefined;
  do {
    const page = await deps.payouts.listMethods(100, cursor);
    for (const method of page.items) {
      try {
        const result = await payProvider(method, started, deps);
        if (result.payout) payouts.push(result.payout);
        else if (result.outcome !== 'paid') skipped[result.outcome] += 1;
      } catch (error) {
        onError(method.providerId, error);
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const batch: PayoutBatch = { ...started, payouts: payouts.length, total: payouts.reduce((total, payout) => total + payout.amount, 0) as MicroUsd };
  await deps.payouts.saveBatch(batch);
  return { batch, payouts, skipped };
};

/** Payouts as a provider sees them (its own) or finance (all, or filtered). */
export const listPayouts = (filter: PayoutFilter, limit: number, cursor: string | undefined, deps: Pick<BillingDeps, 'payouts'>): Promise<Page<Payout>> =>
  deps.payouts.listPayouts(filter, limit, cursor);

export const getPayoutBatch = async (batchId: string, deps: Pick<BillingDeps, 'payouts'>): Promise<{ readonly batch: PayoutBatch; readonly payouts: readonly Payout[] }> => {
  const batch = await deps.payouts.getBatch(batchId);
  if (!batch) throw new PayoutBatchNotFoundError(batchId);
  return { batch, payouts: await deps.payouts.listBatchPayouts(batchId) };
};

/**
 * Finance marks a payout paid (with the rail's reference) or failed (with a reason, and the
 * rail's reference when it gave one). Steps: read the payout (404); decide from its state
 * (domain `settlementDecision`: a retry answers the payout as it is, a contradiction is 409);
 * settle it with its ledger transaction (paid: in transit -> `external:payouts`; failed: in
 * transit -> back to the provider, payable again at once) and, when paid, `payout.paid`, in one
 * write conditioned on the payout still being in transit at the version read; if another
 * request settled it in between, decide again from what it wrote.
 */
export const settlePayout = async (
  input: { readonly payoutId: string; readonly outcome: 'paid' | 'failed'; readonly reference: string | null; readonly reason: string | null },
  deps: Pick<BillingDeps, 'payouts' | 'clock'>,
): Promise<Payout> => {
  return retryOnConflict(async () => {
    const payout = await deps.payouts.getPayout(input.payoutId);
    if (!payout) throw new PayoutNotFoundError(input.payoutId);
    if (settlementDecision(payout, input) === 'unchanged') return payout;
    const now = deps.clock.now();
    const transaction = settlementTransaction({
      transactionId: newId('txn', now), payout, outcome: input.outcome, postedAt: now.toISOString(), entryIds: [newId('ent', now), newId('ent', now)],
    });
    const settled = settledPayout(payout, { outcome: input.outcome, reference: input.reference, reason: input.reason, at: now.toISOString(), transactionId: transaction.transactionId });
    const event = input.outcome === 'paid'
      ? newEvent(events.payoutPaid, {
          payoutId: payout.payoutId, batchId: payout.batchId, providerId: payout.providerId, amount: payout.amount, rail: payout.method.type,
          reference: input.reference ?? '', paidAt: now.toISOString(),
        }, now)
      : undefined;
    return (await deps.payouts.settle({ payout: settled, transaction, ...(event ? { event } : {}) })) ? settled : CONFLICT;
  }, { attempts: SETTLE_ATTEMPTS, exhausted: () => new Error(`payout ${input.payoutId} kept changing while it was settled`) });
};

/** Reads of a payout that another settlement changed in between: two requests at once need two. */
const SETTLE_ATTEMPTS = 3;
