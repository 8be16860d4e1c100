import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageChargeTransaction } from '#billing/domain/ledger.ts';
import { CENT, payoutAmountOf } from '#billing/domain/payouts.ts';
import type { BillingDeps } from '#billing/use-cases/deps.ts';
import { createPayoutBatch, setPayoutMethod } from '#billing/use-cases/payouts.ts';
import { microUsd } from '#platform/money.ts';
import { T0 } from '#test/support/factories.ts';
import { inMemoryBilling } from '../fakes.ts';

const DAY = 24 * 3600;
const DELAY = 7 * DAY;
const providers = ['acct_provider00000001', 'acct_provider00000002'];

/** Every port method's answer arrives when the scheduler says: fast-check tries many orders of the concurrent steps. */
const scheduled = <T extends object>(s: fc.Scheduler, port: T): T =>
  new Proxy(port, {
    get: (target, name, receiver) => {
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? s.scheduleFunction((...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : value;
    },
  });

let records = 0;
const charge = (deps: Pick<BillingDeps, 'ledger' | 'clock'>, providerId: string, earned: number) => {
  records += 1;
  const transaction = usageChargeTransaction({
    transactionId: `txn_p${records}`, usageRecordId: `use_p${records}`, renterId: 'acct_renter000000001', providerId,
    amounts: { renter: microUsd(earned + 1), provider: microUsd(earned), platform: microUsd(1) }, postedAt: deps.clock.now().toISOString(),
    entryIds: [`ent_p${records}a`, `ent_p${records}b`, `ent_p${records}c`],
  });
  return transaction ? deps.ledger.post(transaction) : Promise.resolve('posted');
};

const earning = fc.record({ provider: fc.integer({ min: 0, max: 1 }), amount: fc.integer({ min: 1, max: 5_000_000 }), ageSeconds: fc.integer({ min: 0, max: 14 * DAY }) });

describe('payout batches under concurrency (property)', () => {
  it('never pay a provider more than was payable when the batch was made, whatever charges and second batch run at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(earning, { maxLength: 8 }),
        fc.array(fc.record({ provider: fc.integer({ min: 0, max: 1 }), amount: fc.integer({ min: 1, max: 5_000_000 }) }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        async (s, history, concurrentCharges, batches) => {
          const start = new Date(T0.getTime() - 14 * DAY * 1000);
          const billing = inMemoryBilling(start);
          for (const providerId of providers) await setPayoutMethod({ providerId, method: { type: 'paypal', details: { email: 'p@example.com' } }, threshold: null }, billing.deps);
          // History, oldest first, posted at its own time.
          for (const item of [...history].sort((a, b) => b.ageSeconds - a.ageSeconds)) {
            billing.advance(14 * DAY - item.ageSeconds - (billing.deps.clock.now().getTime() - start.getTime()) / 1000);
            await charge(billing.deps, providers[item.provider]!, item.amount);
          }
          billing.advance(14 * DAY - (billing.deps.clock.now().getTime() - start.getTime()) / 1000);
          const cutoff = new Date(billing.deps.clock.now().getTime() - DELAY * 1000).toISOString();
          const settled = providers.map((providerId) =>
            billing.state.entries.filter((entry) => entry.accountId === providerId && entry.postedAt < cutoff).reduce((total, entry) => total + entry.amount, 0),
          );

          const deps = {
            ...billing.deps,
            ledger: scheduled(s, billing.deps.ledger),
            balances: scheduled(s, billing.deps.balances),
            payouts: scheduled(s, billing.deps.payouts),
            settlementDelaySeconds: DELAY,
          };
          const running = [
            ...Array.from({ length: batches }, (_, index) => createPayoutBatch({ requestedBy: `finance-${index}` }, deps)),
            ...concurrentCharges.map((item) => charge(deps, providers[item.provider]!, item.amount)),
          ];
          // Releases scheduled answers, in the order fast-check picked, until every step finished.
          await s.waitFor(Promise.all(running));

          const payouts = [...billing.state.payouts.values()];
          providers.forEach((providerId, index) => {
            const paid = payouts.filter((payout) => payout.providerId === providerId).reduce((total, payout) => total + payout.amount, 0);
            expect(paid).toBeLessThanOrEqual(settled[index]!);
            // Every payout is whole cents, and a race may leave money for the next batch, never take more.
            expect(paid % CENT).toBe(0);
            expect(paid).toBeLessThanOrEqual(payoutAmountOf(settled[index]!));
            expect(billing.state.balanceOf(providerId).balance).toBeGreaterThanOrEqual(0);
          });
          expect(billing.state.entries.reduce((total, entry) => total + entry.amount, 0)).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('pays all that was settled when nothing else runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 9_000_000 }), { minLength: 1, maxLength: 6 }), async (amounts) => {
        const billing = inMemoryBilling(T0);
        const providerId = providers[0]!;
        await setPayoutMethod({ providerId, method: { type: 'paypal', details: { email: 'p@example.com' } }, threshold: null }, billing.deps);
        for (const amount of amounts) await charge(billing.deps, providerId, amount);
        billing.advance(DELAY + 1);

        const { payouts } = await createPayoutBatch({ requestedBy: 'finance' }, billing.deps);

        const total = amounts.reduce((sum, amount) => sum + amount, 0);
        expect(payouts.reduce((sum, payout) => sum + payout.amount, 0)).toBe(payoutAmountOf(total));
        expect(billing.state.balanceOf(providerId).balance).toBe(total - payoutAmountOf(total));
      }),
    );
  });
});
