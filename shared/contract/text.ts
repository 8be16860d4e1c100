import { z } from 'zod';

/**
 * Control characters: C0 (U+0000-U+001F, tab and newline included), DEL (U+007F) and C1
 * (U+0080-U+009F), Unicode's `Cc`. A stored name that carries ESC or a C1 CSI/OSC is an
 * escape sequence on the terminal of whoever lists it later (OSC 52 writes their clipboard),
 * so every free-text field the API stores refuses them, each with a 400 naming the field.
 * Program data (a job's command and env values, log chunks) is not free text and may carry
 * tabs and newlines; the CLI escapes what it prints.
 */
export const CONTROL_CHARACTERS = /\p{Cc}/u;

export const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';

/** `z.string()` that refuses control characters; chain the field's own bounds after it. */
export const plainText = () => z.string().refine((text) => !CONTROL_CHARACTERS.test(text), CONTROL_CHARACTERS_MESSAGE);

/** Control characters other than tab and newline. */
export const CONTROL_CHARACTERS_BUT_LINES = /(?![\t\n])\p{Cc}/u;

/**
 * For the one multi-line text field stored: an agent event's `message`, which carries the
 * job's last output lines. Tabs and newlines are kept (as logs keep them); ESC, CR, C1 and
 * the rest are refused. The agent replaces them before it sends (agent/src/worker/job-events.ts).
 */
export const multilineText = () =>
  z.string().refine((text) => !CONTROL_CHARACTERS_BUT_LINES.test(text), 'must not contain control characters other than tab and newline');
