import { formatUsd, microUsd } from '#platform/money.ts';
import { formatGpuSeconds } from '../domain/rows.ts';
import type { ExportResult } from '../domain/export-job.ts';
import type { ExportWithFile } from '../use-cases/read-exports.ts';

const usd = (amount: number): string => formatUsd(microUsd(amount));

const totalsView = (result: ExportResult) =>
  result.kind === 'usage'
    ? {
        gpuSeconds: formatGpuSeconds(result.totals.milliGpuSeconds / 1000),
        amount: usd(result.totals.amount),
        providerAmount: usd(result.totals.providerAmount),
        fee: usd(result.totals.fee),
      }
    : result.kind === 'payouts'
      ? {
          amount: usd(result.totals.amount),
          paid: usd(result.totals.paid),
          inTransit: usd(result.totals.inTransit),
          failed: usd(result.totals.failed),
        }
      : {
          sum: usd(result.totals.sum),
          debits: usd(result.totals.debits),
          credits: usd(result.totals.credits),
        };

/** What the ledger says for the same period: the other side of the reconciliation. */
const ledgerView = (result: ExportResult) => {
  if (result.kind === 'payouts') {
    const { made, madeAmount, earnings, paid, inTransit, providerBalances } = result.ledger;
    return {
      usageCharges: { transactions: 0, renterDebits: usd(0), providerCredits: usd(earnings), platformFees: usd(0) },
      payouts: { made, madeAmount: usd(madeAmount), earnings: usd(earnings), paid: usd(paid), inTransit: usd(inTransit), providerBalances: usd(providerBalances) },
    };
  }
  const charges = result.kind === 'usage' ? result.ledger : result.totals.usageCharges;
  return {
    usageCharges: {
      transactions: charges.transactions,
      renterDebits: usd(charges.renterDebits),
      providerCredits: usd(charges.providerCredits),
      platformFees: usd(charges.platformFees),
    },
  };
};

/** An export as the API shows it (API.md, Finance); money as decimal strings of USD. */
export const exportView = ({ job, file }: ExportWithFile) => ({
  exportId: job.exportId,
  kind: job.kind,
  format: job.format,
  from: job.period.from,
  to: job.period.to,
  daily: job.daily,
  status: file.state === 'expired' ? ('expired' as const) : job.status,
  requestedAt: job.requestedAt,
  ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  ...(job.result
    ? {
        rows: job.result.totals.rows,
        bytes: job.result.bytes,
        totals: totalsView(job.result),
        ledger: ledgerView(job.result),
        reconciled: job.result.differences.length === 0,
        ...(job.result.differences.length > 0 ? { differences: job.result.differences } : {}),
      }
    : {}),
  ...(file.state === 'available' ? { url: file.url, urlExpiresAt: file.urlExpiresAt } : {}),
  ...(job.error ? { error: job.error } : {}),
});
