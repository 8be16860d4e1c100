import type { MaintenanceCategory, MaintenanceWindowResponse, ScheduleMaintenanceRequest } from '../../shared/contract/hosts.ts';
import { idempotencyKey } from '../api.ts';
import { enumFlag, onePositional, stringFlag, type Command, type ParsedInput } from '../command.ts';
import { UsageError } from '../errors.ts';
import { duration, table, time } from '../format.ts';
import { line, printJson } from '../output.ts';

/**
 * The contract's MAINTENANCE_CATEGORIES, copied: the CLI takes nothing but types from the
 * contract (no zod in its bundle). The compiler checks the copy lists exactly the contract's.
 */
const CATEGORIES = ['power', 'internet', 'disk', 'gpu', 'software', 'other'] as const satisfies readonly MaintenanceCategory[];
type None<T extends never> = T;
export type MissingCategories = None<Exclude<MaintenanceCategory, (typeof CATEGORIES)[number]>>;

type Window = MaintenanceWindowResponse;

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90m", "2h", "3600" -> seconds; the flag is named when it is not one of those. */
export const parseDuration = (text: string, flag: string): number => {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--${flag} must be seconds or a number with s, m, h or d (such as 90m or 2h), not "${text}".`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
};

/** "now", "+2h" or an ISO time -> an ISO time. */
export const parseStart = (text: string, now: Date): string => {
  if (text === 'now') return now.toISOString();
  if (text.startsWith('+')) return new Date(now.getTime() + parseDuration(text.slice(1), 'start') * 1000).toISOString();
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) throw new UsageError(`--start must be an ISO time (2026-12-05T02:00:00Z), "now" or "+DURATION" (+2h), not "${text}".`);
  return new Date(at).toISOString();
};

const windowsTable = (windows: readonly Window[]): string =>
  table(
    ['WINDOW', 'STARTS', 'ENDS', 'LENGTH', 'CATEGORY', 'STATE', 'KEEPS RELIABILITY', 'NOTE'],
    windows.map((window) => [
      window.windowId,
      time(window.startsAt),
      time(window.endsAt),
      duration(window.durationSeconds),
      window.category,
      window.state,
      window.excusesDowntime ? 'yes' : 'no (announced < 24 h ahead)',
      window.note ?? '',
    ]),
  );

const twoPositionals = (input: ParsedInput, first: string, second: string): [string, string] => {
  const [a, b, ...rest] = input.positionals;
  if (!a || !b) throw new UsageError(`Give the ${first} and the ${second}.`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  return [a, b];
};

const hostPath = (hostId: string) => `/v1/hosts/${encodeURIComponent(hostId)}/maintenance`;

export const maintenance: Command = {
  name: 'maintenance',
  summary: "Providers: a host's maintenance windows (schedule and cancel: see --help).",
  args: 'HOST',
  options: {},
  details: [
    'Subcommands:',
    '  gpuhive maintenance schedule HOST --start TIME --duration LENGTH --category CATEGORY [--note TEXT]',
    '  gpuhive maintenance cancel HOST WINDOW',
    '',
    'No job that could run into a window is placed on the host; renters with work there are told.',
    'A window announced at least 24 h ahead keeps the host\'s reliability while it is down.',
  ].join('\n'),
  async run(context, input) {
    const hostId = onePositional(input, 'host id');
    const api = await context.api();
    const { items } = await api.get<{ items: Window[] }>(hostPath(hostId));
    if (context.json) printJson(context.output, items);
    else if (items.length === 0) line(context.output, 'No maintenance windows: schedule one with `gpuhive maintenance schedule`.');
    else context.output.out(windowsTable(items));
    return 0;
  },
};

export const maintenanceSchedule: Command = {
  name: 'maintenance schedule',
  summary: 'Providers: schedule a maintenance window (at most 24 h) on a host.',
  args: 'HOST',
  options: {
    start: { type: 'string', value: 'TIME', description: 'when it starts: an ISO time, "now", or "+DURATION" such as +2d (required)' },
    duration: { type: 'string', value: 'LENGTH', description: 'how long: seconds, or 90m, 2h, 24h (at most 24 h; required)' },
    category: { type: 'string', value: 'CATEGORY', description: `why: ${CATEGORIES.join(', ')} (required)` },
    note: { type: 'string', value: 'TEXT', description: 'a note renters with work on the host see (at most 500 characters)' },
  },
  details: [
    'Examples:',
    '  gpuhive maintenance schedule host_... --start 2026-12-05T02:00:00Z --duration 2h --category power --note "new PSU"',
    '  gpuhive maintenance schedule host_... --start +2d --duration 90m --category gpu',
    '',
    'Announced at least 24 h before it starts, the window keeps the host\'s reliability while it is down.',
    'When the API is busy, the CLI tries again with the same Idempotency-Key: the window is made once.',
  ].join('\n'),
  async run(context, input) {
    const hostId = onePositional(input, 'host id');
    const start = stringFlag(input, 'start');
    const length = stringFlag(input, 'duration');
    const category = enumFlag(input, 'category', CATEGORIES);
    if (!start || !length || !category) throw new UsageError('Give --start, --duration and --category.');
    const note = stringFlag(input, 'note');
    const body: ScheduleMaintenanceRequest = { startsAt: parseStart(start, context.now()), durationSeconds: parseDuration(length, 'duration'), category, ...(note !== undefined ? { note } : {}) };
    const api = await context.api();
    const window = await api.post<Window>(hostPath(hostId), body, idempotencyKey());
    if (context.json) printJson(context.output, window);
    else context.output.out(windowsTable([window]));
    return 0;
  },
};

export const maintenanceCancel: Command = {
  name: 'maintenance cancel',
  summary: 'Providers: cancel a maintenance window (one in progress ends now).',
  args: 'HOST WINDOW',
  options: {},
  async run(context, input) {
    const [hostId, windowId] = twoPositionals(input, 'host id', 'window id');
    const api = await context.api();
    await api.request<void>('DELETE', `${hostPath(hostId)}/${encodeURIComponent(windowId)}`);
    if (context.json) printJson(context.output, { windowId, cancelled: true });
    else line(context.output, `Cancelled ${windowId}.`);
    return 0;
  },
};
