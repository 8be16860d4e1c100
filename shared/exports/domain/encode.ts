import { csvRecord } from './csv.ts';
import { ledgerColumns, payoutColumns, usageColumns, type LedgerRow, type PayoutRow, type UsageRow } from './rows.ts';

export type ExportFormat = 'csv' | 'jsonl';
export type ExportKind = 'usage' | 'ledger' | 'payouts';

/** Writes rows of one kind in one format: the header (CSV only), then each page of rows as one chunk. */
export interface Encoder<R> {
  readonly header: string;
  page(rows: readonly R[]): string;
}

const encoderFor = <R>(columns: readonly (readonly [string, (row: R) => string | null])[], format: ExportFormat): Encoder<R> => {
  if (format === 'csv') {
    return {
      header: csvRecord(columns.map(([name]) => name)),
      page: (rows) => rows.map((row) => csvRecord(columns.map(([, cell]) => cell(row) ?? ''))).join(''),
    };
  }
  return {
    header: '',
    // JSON Lines: one object per line, LF-terminated, keys in column order.
    page: (rows) => rows.map((row) => `${JSON.stringify(Object.fromEntries(columns.map(([name, cell]) => [name, cell(row)])))}\n`).join(''),
  };
};

export const usageEncoder = (format: ExportFormat): Encoder<UsageRow> => encoderFor(usageColumns, format);
export const ledgerEncoder = (format: ExportFormat): Encoder<LedgerRow> => encoderFor(ledgerColumns, format);
export const payoutEncoder = (format: ExportFormat): Encoder<PayoutRow> => encoderFor(payoutColumns, format);

export const contentTypeOf = (format: ExportFormat): string => (format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8');
export const extensionOf = (format: ExportFormat): string => (format === 'csv' ? 'csv' : 'jsonl');
