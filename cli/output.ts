/** Where a command writes: the process's streams, or buffers in tests. */
export interface Output {
  /** Results: tables, JSON. */
  out(text: string): void;
  /** Progress, notes and errors. */
  err(text: string): void;
  /** Whether stderr is a terminal, so a live status line or progress bar can redraw itself. */
  readonly interactive: boolean;
  readonly columns: number;
}

export const processOutput = (): Output => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns ?? 80,
});

export const line = (output: Output, text = '') => output.out(`${text}\n`);
export const note = (output: Output, text: string) => output.err(`${text}\n`);
export const printJson = (output: Output, value: unknown) => output.out(`${JSON.stringify(value, null, 2)}\n`);
