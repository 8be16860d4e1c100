/**
 * CSV as RFC 4180 writes it: fields separated by commas, records ended by CRLF, and a field
 * that holds a comma, a double quote, CR or LF enclosed in double quotes, with each double
 * quote inside doubled. Every other field is written as it is, so plain values stay readable.
 *
 * Formula injection (OWASP, "CSV Injection"): a spreadsheet evaluates a cell that begins with
 * `=`, `+`, `-`, `@`, tab or CR, so a provider naming its GPU `=HYPERLINK(...)` would plant a
 * live formula in finance's file. Such a cell is written with a single quote in front
 * (`'=HYPERLINK(...)`), which spreadsheets show as text. A cell that is a plain decimal number
 * (`-0.450000`, a refund's signed amount) is data, not a formula, and is left as it is, so
 * amounts stay numbers.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export const CRLF = '\r\n';

/** The cell as a spreadsheet will take it as text: `'` before a formula's first character. */
export const defuseFormula = (value: string): string => (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value);

export const csvField = (value: string): string => {
  const cell = defuseFormula(value);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
};

/** One record, its line break included. */
export const csvRecord = (values: readonly string[]): string => `${values.map(csvField).join(',')}${CRLF}`;
