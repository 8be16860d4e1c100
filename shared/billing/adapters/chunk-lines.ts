/**
 * The `lines` attribute of a `CHUNK#<chunkId>` item (items.ts), a CONTRACT with exports, which
 * read it through `chunkLinesOf` too. A chunk's lines are written as one JSON text attribute:
 * as a list of maps they were about seven attributes per record, and DynamoDB Local parses,
 * sizes and validates every attribute of every write (docs/throughput.md). Nothing reads a
 * line's fields in an expression. Chunks charged before are lists of maps and read the same.
 */

/** One record's line as stored: the domain's `amounts` under the item's attribute names. */
export interface StoredChunkLine {
  readonly usageRecordId: string;
  readonly gpuSeconds: number;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly providerAmount: number;
  readonly fee: number;
  readonly cut?: number;
}

/** The stored value of a chunk's lines: one JSON text attribute. */
export const chunkLinesValue = (lines: readonly StoredChunkLine[]): string => JSON.stringify(lines);

/**
 * A chunk item's `lines` as a list of plain objects, whichever shape it was written in (JSON
 * text, or a list of maps before); anything else, absent included, is handed on unchanged for
 * the reader's schema to accept or refuse.
 */
export const chunkLinesOf = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // Not JSON: left as the text it is, so the reader's schema names the attribute.
    return value;
  }
};
