/** Where a command writes: the process's streams, or buffers in tests. */
export interface Output {
  /** Results: tables, JSON. */
  out(text: string): void;
  /** Progress, notes and errors. */
  err(text: string): void;
  /** The CLI's own terminal control on stderr (redrawing a status line), written as is. */
  control(sequence: string): void;
  /** Whether stderr is a terminal, so a live status line or progress bar can redraw itself. */
  readonly interactive: boolean;
  readonly columns: number;
}

export const processOutput = (): Output => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  control: (sequence) => process.stderr.write(sequence),
  interactive: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns ?? 80,
});

/**
 * C0 controls but tab and newline, DEL and C1: what a terminal may act on. Text from the API
 * (GPU names, reasons, log lines) is other people's: printed raw, an ESC sequence in it could
 * rewrite the screen or set the clipboard (OSC 52).
 */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** Removes every control character but tab and newline. */
export const stripControls = (text: string): string => text.replace(CONTROLS, '');

/** Shows every control character but tab and newline as an escape (`\x1b`), for logs. */
export const escapeControls = (text: string): string =>
  text.replace(CONTROLS, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** JSON with DEL and C1 escaped too (JSON.stringify escapes only C0): still the same JSON value. */
export const inertJson = (value: unknown, indent?: number): string =>
  JSON.stringify(value, null, indent).replace(/[\x7f-\x9f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The output every command gets: whatever it prints is stripped of control characters; only `control` passes them. */
export const inertOutput = (raw: Output): Output => ({
  out: (text) => raw.out(stripControls(text)),
  err: (text) => raw.err(stripControls(text)),
  control: (sequence) => raw.control(sequence),
  interactive: raw.interactive,
  columns: raw.columns,
});

/** Clears the status line on a terminal, to write it again. */
export const redrawLine = (output: Output, text: string) => {
  output.control('\r\x1b[2K');
  output.err(text);
};

export const line = (output: Output, text = '') => output.out(`${text}\n`);
export const note = (output: Output, text: string) => output.err(`${text}\n`);
export const printJson = (output: Output, value: unknown) => output.out(`${inertJson(value, 2)}\n`);
