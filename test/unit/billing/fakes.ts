import type { DomainEvent } from '#events/define.ts';
import type { Clock } from '#platform/clock.ts';
import { microUsd, type MicroUsd } from '#platform/money.ts';
import { decodeCursor, encodeCursor, type Page } from '#platform/pagination.ts';
import { applyEntry, chargeBalance, emptyBalance, placeHold, releaseHold, type Balance } from '#billing/domain/balance.ts';
import type { JobCost, UsageCharge } from '#billing/domain/charge.ts';
import type { ChunkCharge } from '#billing/domain/chunk-charge.ts';
import type { Hold } from '#billing/domain/hold.ts';
import { DEFAULT_HOLD_SETTINGS, type LowRunwayMarker } from '#billing/domain/renewal.ts';
import { accountEntries, netByAccount, type AccountEntry, type LedgerTransaction } from '#billing/domain/ledger.ts';
import type {
  BalanceStore,
  ChargeStore,
  ChargeWrite,
  ChargeWriteResult,
  ChargedUsage,
  ChunkChargeReads,
  ChunkChargesWrite,
  ChunkChargeWrite,
  CreditReference,
  HoldStore,
  LedgerRange,
  LedgerStore,
  LowRunwayStore,
  PlaceHoldResult,
  PayoutFilter,
  PayoutSettlementWrite,
  PayoutStore,
  PayoutWrite,
  RenewableHold,
} from '#billing/ports.ts';
import type { PayoutMethod } from '#billing/domain/payout-method.ts';
import type { Payout, PayoutBatch } from '#billing/domain/payouts.ts';
import type { BillingDeps } from '#billing/use-cases/deps.ts';

/** What the billing table would hold, in memory. */
export class BillingState {
  readonly transactions = new Map<string, LedgerTransaction>();
  readonly entries: AccountEntry[] = [];
  readonly balances = new Map<string, Balance>();
  readonly holds = new Map<string, Hold>();
  readonly references = new Map<string, CreditReference>();
  readonly charges = new Map<string, UsageCharge>();
  readonly chunks = new Map<string, ChunkCharge>();
  readonly jobCosts = new Map<string, JobCost>();
  readonly lowRunway = new Map<string, LowRunwayMarker>();
  readonly payoutMethods = new Map<string, PayoutMethod>();
  readonly payoutCursors = new Map<string, number>();
  readonly payouts = new Map<string, Payout>();
  readonly payoutBatches = new Map<string, PayoutBatch>();
  /** Events committed with a change, as the outbox would hold them. */
  readonly outbox: DomainEvent[] = [];

  balanceOf(accountId: string): Balance {
    return this.balances.get(accountId) ?? emptyBalance(accountId);
  }
}

/**
 * The billing ports in memory, built on the domain's own rules. Each method is one atomic
 * step, as each write of the Dynamo adapters is one transaction.
 */
export class FakeLedgerStore implements LedgerStore {
  constructor(private readonly state: BillingState) {}

  async post(transaction: LedgerTransaction, options: { creditReference?: CreditReference } = {}): Promise<'posted' | 'reference_taken'> {
    const { creditReference } = options;
    if (creditReference && this.state.references.has(creditReference.reference)) return 'reference_taken';
    if (creditReference) this.state.references.set(creditReference.reference, creditReference);
    this.state.transactions.set(transaction.transactionId, transaction);
    this.state.entries.push(...accountEntries(transaction));
    for (const [accountId, amount] of netByAccount(transaction)) {
      this.state.balances.set(accountId, applyEntry(this.state.balanceOf(accountId), amount));
    }
    return 'posted';
  }

  async getCreditReference(reference: string): Promise<CreditReference | undefined> {
    return this.state.references.get(reference);
  }

  async getTransaction(transactionId: string): Promise<LedgerTransaction | undefined> {
    return this.state.transactions.get(transactionId);
  }

  async listEntries(accountId: string, range: LedgerRange, limit: number, cursor?: string): Promise<Page<AccountEntry>> {
    const start = Number(decodeCursor(cursor)?.offset ?? 0);
    const matching = this.state.entries
      .filter((entry) => entry.accountId === accountId)
      .filter((entry) => (range.from === undefined || entry.postedAt >= range.from) && (range.to === undefined || entry.postedAt < range.to))
      .reverse();
    return {
      items: matching.slice(start, start + limit),
      nextCursor: start + limit < matching.length ? encodeCursor({ offset: start + limit }) : null,
    };
  }
}

export class FakeBalanceStore implements BalanceStore {
  constructor(private readonly state: BillingState) {}

  async get(accountId: string): Promise<Balance> {
    return this.state.balanceOf(accountId);
  }
}

export class FakeHoldStore implements HoldStore {
  constructor(private readonly state: BillingState) {}

  async get(jobId: string): Promise<Hold | undefined> {
    return this.state.holds.get(jobId);
  }

  async place(hold: Hold, event: DomainEvent): Promise<PlaceHoldResult> {
    if (this.state.holds.has(hold.jobId)) return { outcome: 'exists' };
    const before = this.state.balanceOf(hold.accountId);
    const after = placeHold(before, hold.amount);
    if (!after) return { outcome: 'insufficient_funds', available: before.available };
    this.state.balances.set(hold.accountId, after);
    this.state.holds.set(hold.jobId, hold);
    this.state.outbox.push(event);
    return { outcome: 'placed' };
  }

  async refuse(refusal: Hold, event: DomainEvent): Promise<boolean> {
    if (this.state.holds.has(refusal.jobId)) return false;
    this.state.holds.set(refusal.jobId, refusal);
    this.state.outbox.push(event);
    return true;
  }

  async listActive(accountId: string): Promise<Hold[]> {
    return [...this.state.holds.values()].filter((hold) => hold.accountId === accountId && hold.status === 'held');
  }

  async release(hold: Hold, at: Date): Promise<boolean> {
    const current = this.state.holds.get(hold.jobId);
    if (current?.status !== 'held' || current.amount !== hold.amount) return false;
    this.state.holds.set(hold.jobId, { ...current, status: 'released', releasedAt: at.toISOString() });
    this.state.balances.set(hold.accountId, releaseHold(this.state.balanceOf(hold.accountId), hold.amount));
    return true;
  }

  async keepUntil(hold: Hold, until: Date): Promise<boolean> {
    const current = this.state.holds.get(hold.jobId);
    if (current?.status !== 'held') return false;
    this.state.holds.set(hold.jobId, { ...current, keptUntil: until.toISOString() });
    return true;
  }

  async markEndedBeforeHold(jobId: string, accountId: string, at: Date): Promise<boolean> {
    if (this.state.holds.has(jobId)) return false;
    const now = at.toISOString();
    this.state.holds.set(jobId, { jobId, accountId, amount: microUsd(0), status: 'released', createdAt: now, releasedAt: now, endedBeforeHold: true });
    return true;
  }

  /** The adapter's pointers exist exactly while a hold is held (and until a renewal drops a stale one). */
  async listRenewable(): Promise<RenewableHold[]> {
    return [...this.state.holds.values()].filter((hold) => hold.status === 'held').map((hold) => ({ jobId: hold.jobId, accountId: hold.accountId }));
  }

  async renew(hold: Hold, amount: MicroUsd, at: Date, exhausted?: DomainEvent): Promise<'renewed' | 'stale'> {
    if (amount <= 0 && !exhausted) return 'renewed';
    const current = this.state.holds.get(hold.jobId);
    if (current?.status !== 'held' || current.amount !== hold.amount || current.exhaustedAt) return 'stale';
    const balance = this.state.balanceOf(hold.accountId);
    if (amount > 0 && balance.available < amount) return 'stale';
    this.state.holds.set(hold.jobId, {
      ...current,
      amount: microUsd(current.amount + amount),
      ...(current.heldTotal === undefined ? {} : { heldTotal: microUsd(current.heldTotal + amount) }),
      ...(exhausted ? { exhaustedAt: at.toISOString() } : {}),
    });
    if (amount > 0) this.state.balances.set(hold.accountId, { ...balance, held: microUsd(balance.held + amount), available: microUsd(balance.available - amount) });
    if (exhausted) this.state.outbox.push(exhausted);
    return 'renewed';
  }

  async forgetRenewal(): Promise<void> {
    // Pointers are derived from the holds here: nothing to drop.
  }
}

export class FakeLowRunwayStore implements LowRunwayStore {
  constructor(private readonly state: BillingState) {}

  async get(accountId: string): Promise<LowRunwayMarker | undefined> {
    return this.state.lowRunway.get(accountId);
  }

  async save(marker: LowRunwayMarker, event?: DomainEvent): Promise<boolean> {
    if ((this.state.lowRunway.get(marker.accountId)?.version ?? 0) !== marker.version - 1) return false;
    this.state.lowRunway.set(marker.accountId, marker);
    if (event) this.state.outbox.push(event);
    return true;
  }
}

export class FakeChargeStore implements ChargeStore {
  constructor(private readonly state: BillingState) {}

  async getCharge(usageRecordId: string): Promise<UsageCharge | undefined> {
    return this.state.charges.get(usageRecordId);
  }

  async getCharges(usageRecordIds: readonly string[]): Promise<UsageCharge[]> {
    return usageRecordIds.flatMap((id) => this.state.charges.get(id) ?? []);
  }

  async getJobCost(jobId: string): Promise<JobCost | undefined> {
    return this.state.jobCosts.get(jobId);
  }

  async getJobCosts(jobIds: readonly string[]): Promise<JobCost[]> {
    return jobIds.flatMap((jobId) => this.state.jobCosts.get(jobId) ?? []);
  }

  /** The same conditions as the Dynamo adapter's transaction, checked before anything changes. */
  async charge(write: ChargeWrite): Promise<ChargeWriteResult> {
    return this.commitCharge(write, this.state.charges.has(write.charge.usageRecordId), () => this.state.charges.set(write.charge.usageRecordId, write.charge));
  }

  async getChunkCharge(chunkId: string): Promise<ChunkCharge | undefined> {
    return this.state.chunks.get(chunkId);
  }

  async getChunkUsage(chunkIds: readonly string[]): Promise<ReadonlyMap<string, ChargedUsage>> {
    return new Map(
      chunkIds.flatMap((chunkId) => {
        const chunk = this.state.chunks.get(chunkId);
        if (!chunk) return [];
        const gpuMs = chunk.lines.reduce((sum, line) => sum + Math.round(line.gpuSeconds * 1000), 0);
        return [[chunkId, { jobId: chunk.jobId, hostId: chunk.hostId, gpuSeconds: gpuMs / 1000, records: chunk.lines.length }] as const];
      }),
    );
  }

  /** The same conditions as the Dynamo adapter's chunk transaction, checked before anything changes. */
  async chargeChunk(write: ChunkChargeWrite): Promise<ChargeWriteResult> {
    return this.commitCharge(write, this.state.chunks.has(write.charge.chunkId), () => this.state.chunks.set(write.charge.chunkId, write.charge));
  }

  async getChunkCharges(chunkIds: readonly string[]): Promise<ChunkCharge[]> {
    return chunkIds.flatMap((chunkId) => this.state.chunks.get(chunkId) ?? []);
  }

  async readForChunks(chunkIds: readonly string[], jobIds: readonly string[], renterId: string): Promise<ChunkChargeReads> {
    const present = <T>(entries: readonly (readonly [string, T | undefined])[]) => new Map(entries.filter((entry): entry is readonly [string, T] => entry[1] !== undefined));
    return {
      charged: await this.getChunkCharges(chunkIds),
      holds: present(jobIds.map((jobId) => [jobId, this.state.holds.get(jobId)] as const)),
      jobCosts: present(jobIds.map((jobId) => [jobId, this.state.jobCosts.get(jobId)] as const)),
      balance: this.state.balanceOf(renterId),
    };
  }

  /** The same conditions as the Dynamo adapter's several-chunk transaction, checked before anything changes. */
  async chargeChunks(write: ChunkChargesWrite): Promise<ChargeWriteResult> {
    if (write.chunks.some(({ charge }) => this.state.chunks.has(charge.chunkId))) return 'already_charged';
    if (write.jobCosts.some((jobCost) => (this.state.jobCosts.get(jobCost.jobId)?.version ?? 0) !== jobCost.version - 1)) return 'stale';
    for (const { hold, fromHold, cut } of write.holds) {
      const current = this.state.holds.get(hold.jobId);
      if (fromHold > 0 && (current?.status !== 'held' || current.amount < fromHold)) return 'stale';
      if (cut && (current?.status !== hold.status || current?.heldTotal !== hold.heldTotal)) return 'stale';
    }
    if (write.fromAvailable > 0 && this.state.balanceOf(write.renterId).available < write.fromAvailable) return 'stale';
    for (const { charge, transaction, event } of write.chunks) {
      this.state.chunks.set(charge.chunkId, charge);
      if (transaction) this.postCharge(transaction, charge);
      this.state.outbox.push(event);
    }
    for (const jobCost of write.jobCosts) this.state.jobCosts.set(jobCost.jobId, jobCost);
    for (const { hold, fromHold } of write.holds) {
      const current = this.state.holds.get(hold.jobId);
      if (current) this.state.holds.set(hold.jobId, { ...current, amount: microUsd(current.amount - fromHold) });
    }
    return 'charged';
  }

  /** One record's or one chunk's charge: the adapter's conditions, then every item it writes. */
  private commitCharge(write: ChargeWrite | ChunkChargeWrite, alreadyCharged: boolean, storeCharge: () => void): ChargeWriteResult {
    const { charge, transaction, hold, jobCost, event, fromAvailable } = write;
    if (alreadyCharged) return 'already_charged';
    if ((this.state.jobCosts.get(jobCost.jobId)?.version ?? 0) !== jobCost.version - 1) return 'stale';
    const currentHold = hold ? this.state.holds.get(hold.jobId) : undefined;
    if (hold && charge.fromHold > 0 && (currentHold?.status !== 'held' || currentHold.amount < charge.fromHold)) return 'stale';
    if (hold && (charge.cut ?? 0) > 0 && (currentHold?.status !== hold.status || currentHold?.heldTotal !== hold.heldTotal)) return 'stale';
    if (transaction && fromAvailable > 0 && this.state.balanceOf(charge.renterId).available < fromAvailable) return 'stale';
    storeCharge();
    this.state.jobCosts.set(jobCost.jobId, jobCost);
    if (currentHold) this.state.holds.set(currentHold.jobId, { ...currentHold, amount: microUsd(currentHold.amount - charge.fromHold) });
    if (transaction) this.postCharge(transaction, charge);
    this.state.outbox.push(event);
    return 'charged';
  }

  /** A charge's ledger transaction, its entries and balances; the renter's share leaves the hold first, as the adapter's balance update does. */
  private postCharge(transaction: LedgerTransaction, charge: { readonly renterId: string; readonly fromHold: MicroUsd }): void {
    this.state.transactions.set(transaction.transactionId, transaction);
    this.state.entries.push(...accountEntries(transaction));
    for (const [accountId, amount] of netByAccount(transaction)) {
      const before = this.state.balanceOf(accountId);
      const after = accountId === charge.renterId ? chargeBalance(before, microUsd(-amount), charge.fromHold) : applyEntry(before, amount);
      this.state.balances.set(accountId, after);
    }
  }
}

/** Posts a transaction's entries and balances, as `ledgerItems` writes them. */
const applyTransaction = (state: BillingState, transaction: LedgerTransaction): void => {
  state.transactions.set(transaction.transactionId, transaction);
  state.entries.push(...accountEntries(transaction));
  for (const [accountId, amount] of netByAccount(transaction)) state.balances.set(accountId, applyEntry(state.balanceOf(accountId), amount));
};

export class FakePayoutStore implements PayoutStore {
  constructor(private readonly state: BillingState) {}

  async getMethod(providerId: string): Promise<PayoutMethod | undefined> {
    return this.state.payoutMethods.get(providerId);
  }

  async saveMethod(method: PayoutMethod): Promise<void> {
    this.state.payoutMethods.set(method.providerId, method);
  }

  async listMethods(limit: number, cursor?: string): Promise<Page<PayoutMethod>> {
    const start = Number(decodeCursor(cursor)?.offset ?? 0);
    const all = [...this.state.payoutMethods.values()].sort((a, b) => a.providerId.localeCompare(b.providerId));
    return { items: all.slice(start, start + limit), nextCursor: start + limit < all.length ? encodeCursor({ offset: start + limit }) : null };
  }

  async getCursorVersion(providerId: string): Promise<number> {
    return this.state.payoutCursors.get(providerId) ?? 0;
  }

  async saveBatch(batch: PayoutBatch): Promise<void> {
    this.state.payoutBatches.set(batch.batchId, batch);
  }

  async getBatch(batchId: string): Promise<PayoutBatch | undefined> {
    return this.state.payoutBatches.get(batchId);
  }

  async createPayout(write: PayoutWrite): Promise<'created' | 'stale'> {
    const { payout, transaction, cursorVersion } = write;
    if ((this.state.payoutCursors.get(payout.providerId) ?? 0) !== cursorVersion) return 'stale';
    if (this.state.balanceOf(payout.providerId).available < payout.amount) return 'stale';
    this.state.payoutCursors.set(payout.providerId, cursorVersion + 1);
    this.state.payouts.set(payout.payoutId, payout);
    applyTransaction(this.state, transaction);
    return 'created';
  }

  async getPayout(payoutId: string): Promise<Payout | undefined> {
    return this.state.payouts.get(payoutId);
  }

  async listPayouts(filter: PayoutFilter, limit: number, cursor?: string): Promise<Page<Payout>> {
    const start = Number(decodeCursor(cursor)?.offset ?? 0);
    const all = [...this.state.payouts.values()]
      .filter((payout) => (!filter.providerId || payout.providerId === filter.providerId) && (!filter.batchId || payout.batchId === filter.batchId) && (!filter.status || payout.status === filter.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { items: all.slice(start, start + limit), nextCursor: start + limit < all.length ? encodeCursor({ offset: start + limit }) : null };
  }

  async listBatchPayouts(batchId: string): Promise<Payout[]> {
    return [...this.state.payouts.values()].filter((payout) => payout.batchId === batchId).sort((a, b) => a.payoutId.localeCompare(b.payoutId));
  }

  async settle(write: PayoutSettlementWrite): Promise<boolean> {
    const stored = this.state.payouts.get(write.payout.payoutId);
    if (!stored || stored.status !== 'in_transit' || stored.version !== write.payout.version - 1) return false;
    this.state.payouts.set(write.payout.payoutId, write.payout);
    applyTransaction(this.state, write.transaction);
    if (write.event) this.state.outbox.push(write.event);
    return true;
  }
}

/** Use-case deps over one in-memory state, with a clock the test moves. */
export const inMemoryBilling = (start: Date) => {
  const state = new BillingState();
  let now = start;
  const clock: Clock = { now: () => now };
  const deps: BillingDeps = { ledger: new FakeLedgerStore(state), balances: new FakeBalanceStore(state), holds: new FakeHoldStore(state), charges: new FakeChargeStore(state), clock, platformFeeBps: 1_000,
    lowRunway: new FakeLowRunwayStore(state), holdSettings: DEFAULT_HOLD_SETTINGS,
    payouts: new FakePayoutStore(state), settlementDelaySeconds: 7 * 24 * 3600,
  };
  return { state, deps, advance: (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); } };
};
