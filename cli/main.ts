import { balance, earnings, ledger } from './commands/billing.ts';
import { exportCommand } from './commands/export.ts';
import { hosts, hostsGet } from './commands/hosts.ts';
import { open, ssh, sshKeysAdd, sshKeysList, sshKeysRm, templates } from './commands/interactive.ts';
import { jobsCancel, jobsGet, jobsList, jobsSubmit, jobsWait } from './commands/jobs.ts';
import { login } from './commands/login.ts';
import { logs } from './commands/logs.ts';
import { maintenance, maintenanceCancel, maintenanceSchedule } from './commands/maintenance.ts';
import { offers } from './commands/offers.ts';
import { SERVICE_COMMANDS } from './commands/services.ts';
import { payouts, payoutsBatch, payoutsFailed, payoutsFile, payoutsMethod, payoutsPaid } from './commands/payouts.ts';
import { helpOf, makeContext, parseInput, type Command } from './command.ts';
import type { Env } from './config.ts';
import { ApiError, CliFailure, ExitCode, UnreachableError, UsageError } from './errors.ts';
import { inertJson, inertOutput, processOutput, type Output } from './output.ts';
import type { Fetch } from './api.ts';

export const COMMANDS: readonly Command[] = [
  login, offers, templates, jobsSubmit, jobsList, jobsGet, jobsCancel, jobsWait, logs, ssh, open, sshKeysAdd, sshKeysList, sshKeysRm,
  balance, ledger, hosts, hostsGet, maintenance, maintenanceSchedule, maintenanceCancel, earnings, exportCommand,
  payouts, payoutsMethod, payoutsBatch, payoutsPaid, payoutsFailed, payoutsFile,
  ...SERVICE_COMMANDS,
];

const VERSION = '0.1.0';

export const mainHelp = (): string =>
  [
    'Usage: gpuhive COMMAND [options]',
    '',
    'The gpuhive command line: rent GPUs, follow jobs, see balances, earnings, payouts and exports.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(13)}  ${command.summary}`),
    '',
    'Every command takes --json (machine-readable output), --config FILE and --help.',
    'The API URL and key come from `gpuhive login`, overridden by GPUHIVE_API and GPUHIVE_API_KEY.',
    '',
    'Exit codes: 0 ok; 1 the job (or export) did not succeed; 2 bad usage; 3 the API refused the request;',
    '4 not logged in or key refused; 5 API unreachable or failing; 6 --timeout passed;',
    '7 `jobs cancel`: the job had already ended; 70 a bug in gpuhive.',
    '',
  ].join('\n');

/** `jobs submit ...` -> the `jobs submit` command and the rest of argv. */
const findCommand = (argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined => {
  const two = COMMANDS.find((command) => command.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((command) => command.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
};

const reportError = (output: Output, json: boolean, error: unknown, commandName: string | undefined): number => {
  const prefix = `gpuhive${commandName ? ` ${commandName}` : ''}`;
  if (error instanceof UsageError) {
    output.err(`${prefix}: ${error.message}\nRun 'gpuhive ${error.command ?? commandName ?? ''} --help' for usage.\n`.replace("gpuhive  --help", 'gpuhive --help'));
    return ExitCode.usage;
  }
  if (error instanceof ApiError) {
    if (json) output.err(`${inertJson({ error: { status: error.status, code: error.code, message: error.message, ...(error.details.length > 0 ? { details: error.details } : {}) } })}\n`);
    else output.err(`${prefix}: ${error.code} (HTTP ${error.status}): ${error.message}\n${error.details.map((detail) => `  ${detail.field}: ${detail.message}\n`).join('')}`);
    return error.exitCode;
  }
  if (error instanceof UnreachableError) {
    output.err(`${prefix}: ${error.message}\n`);
    return ExitCode.unavailable;
  }
  if (error instanceof CliFailure) {
    output.err(`${prefix}: ${error.message}\n`);
    return error.exitCode;
  }
  output.err(`${prefix}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.internal;
};

export interface MainOptions {
  readonly output?: Output;
  readonly env?: Env;
  readonly fetch?: Fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  /** Runs `ssh` and the like; tests record the argv instead. */
  readonly exec?: (argv: readonly string[]) => Promise<number>;
}

/** Runs one command line; returns the exit code. */
export const main = async (argv: readonly string[], options: MainOptions = {}): Promise<number> => {
  // Everything printed passes through one filter: API text cannot drive the terminal.
  const output = inertOutput(options.output ?? processOutput());
  const env = options.env ?? process.env;
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    output.out(mainHelp());
    return argv.length === 0 ? ExitCode.usage : ExitCode.ok;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    output.out(`gpuhive ${VERSION}\n`);
    return ExitCode.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((command) => command.name.startsWith(`${argv[0]} `));
    const hint = group.length > 0 ? ` Try one of: ${group.map((command) => `gpuhive ${command.name}`).join(', ')}.` : " Run 'gpuhive --help' for the commands.";
    output.err(`gpuhive: unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}".${hint}\n`);
    return ExitCode.usage;
  }
  const { command, rest } = found;
  const json = rest.includes('--json');
  try {
    const input = parseInput(command, rest);
    if (input.values.help) {
      output.out(helpOf(command));
      return ExitCode.ok;
    }
    const context = makeContext({
      output,
      env,
      json: Boolean(input.values.json),
      ...(typeof input.values.config === 'string' ? { configFlag: input.values.config } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.exec ? { exec: options.exec } : {}),
    });
    return await command.run(context, input);
  } catch (error) {
    return reportError(output, json, error, command.name);
  }
};
