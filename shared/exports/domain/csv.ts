/**
 * CSV as RFC 4180 writes it: fields separated by commas, records ended by CRLF, and a field
 * that holds a comma, a double quote, CR or LF enclosed in double quotes, with each double
 * quote inside doubled. Every other field is written as it is, so plain values stay readable.
 */
const NEEDS_QUOTES = /[",\r\n]/;

export const CRLF = '\r\n';

export const csvField = (value: string): string => (NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** One record, its line break included. */
export const csvRecord = (values: readonly string[]): string => `${values.map(csvField).join(',')}${CRLF}`;
