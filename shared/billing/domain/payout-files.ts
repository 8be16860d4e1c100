import { csvRecord } from '#exports/domain/csv.ts';
import { formatUsd, type MicroUsd } from '#platform/money.ts';
import type { Payout } from './payouts.ts';
import type { PayoutRail } from './payout-method.ts';
import { PAYOUT_FILE_FORMATS, type PayoutFileFormat } from '#contract/payouts.ts';

/**
 * A payout batch as the files finance uploads to its rails: a generic CSV with every payout,
 * and one per rail with only that rail's payouts, in the columns its mass-payout upload takes.
 * Cells go through the exports context's CSV writer, which defuses spreadsheet formulas: a
 * provider's account holder name is text it chose.
 */
export { PAYOUT_FILE_FORMATS, type PayoutFileFormat };

export interface PayoutFile {
  readonly format: PayoutFileFormat;
  readonly fileName: string;
  readonly rows: number;
  /** What the file pays, in micro-USD (whole cents: payouts are made in cents). */
  readonly total: MicroUsd;
  readonly content: string;
}

/** `12.340000` -> `12.34`: rails take two decimals, and payouts are whole cents. */
const cents = (amount: MicroUsd): string => formatUsd(amount).slice(0, -4);

/** The note the recipient sees: which platform and payout, so they can match it. */
const noteOf = (payout: Payout): string => `gpuhive payout ${payout.payoutId}`;

const GENERIC_HEADER = ['payout_id', 'batch_id', 'provider_id', 'rail', 'amount_usd', 'amount_micro_usd', 'currency', 'recipient_email', 'account_holder_name', 'iban', 'bic', 'target_currency', 'created_at'];

const genericRow = (payout: Payout): string[] => {
  const method = payout.method;
  return [
    payout.payoutId, payout.batchId, payout.providerId, method.type, formatUsd(payout.amount), String(payout.amount), 'USD',
    method.type === 'bank_transfer' ? '' : method.details.email,
    method.type === 'paypal' ? '' : method.details.accountHolderName,
    method.type === 'bank_transfer' ? method.details.iban : '',
    method.type === 'bank_transfer' ? (method.details.bic ?? '') : '',
    method.type === 'wise' ? method.details.currency : '',
    payout.createdAt,
  ];
};

/**
 * PayPal Payouts' upload (payouts web, "CSV file"): no header row; recipient, amount,
 * currency, a reference id (ours, so PayPal's report names the payout), the note, the wallet.
 */
const paypalRow = (payout: Payout): string[] =>
  payout.method.type === 'paypal' ? [payout.method.details.email, cents(payout.amount), 'USD', payout.payoutId, noteOf(payout), 'PayPal'] : [];

/**
 * Wise's batch transfer template for recipients paid by email: the amount is fixed in the
 * source currency (USD), Wise converts to the recipient's currency.
 */
const WISE_HEADER = ['name', 'recipientEmail', 'paymentReference', 'receiverType', 'amountCurrency', 'amount', 'sourceCurrency', 'targetCurrency'];
const wiseRow = (payout: Payout): string[] =>
  payout.method.type === 'wise'
    ? [payout.method.details.accountHolderName, payout.method.details.email, payout.payoutId, 'PRIVATE', 'source', cents(payout.amount), 'USD', payout.method.details.currency]
    : [];

/** The columns bank portals' bulk credit transfer upload asks for (beneficiary, IBAN, BIC, amount, reference). */
const BANK_HEADER = ['beneficiary_name', 'iban', 'bic', 'amount', 'currency', 'remittance_information', 'end_to_end_id'];
const bankRow = (payout: Payout): string[] =>
  payout.method.type === 'bank_transfer'
    ? [payout.method.details.accountHolderName, payout.method.details.iban, payout.method.details.bic ?? '', cents(payout.amount), 'USD', noteOf(payout), payout.payoutId]
    : [];

const shapes: Record<PayoutFileFormat, { readonly header: readonly string[] | null; readonly row: (payout: Payout) => string[]; readonly rail: PayoutRail | null }> = {
  generic: { header: GENERIC_HEADER, row: genericRow, rail: null },
  paypal: { header: null, row: paypalRow, rail: 'paypal' },
  wise: { header: WISE_HEADER, row: wiseRow, rail: 'wise' },
  bank_transfer: { header: BANK_HEADER, row: bankRow, rail: 'bank_transfer' },
};

/**
 * The batch's file in one format. Only payouts still in transit are in a rail's file (a paid or
 * failed one must not be sent again); the generic file lists them all, with their status in
 * the API, for finance's own records.
 */
export const payoutFile = (batchId: string, payouts: readonly Payout[], format: PayoutFileFormat): PayoutFile => {
  const shape = shapes[format];
  const included = payouts.filter((payout) => shape.rail === null || (payout.method.type === shape.rail && payout.status === 'in_transit'));
  const lines = [...(shape.header ? [csvRecord(shape.header)] : []), ...included.map((payout) => csvRecord(shape.row(payout)))];
  return {
    format,
    fileName: `gpuhive-payouts-${batchId}-${format}.csv`,
    rows: included.length,
    total: included.reduce((total, payout) => total + payout.amount, 0) as MicroUsd,
    content: lines.join(''),
  };
};
