import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ApiClient, type Fetch, type RetryNotice } from './api.ts';
import { configPath, readConfig, resolveConnection, type Env } from './config.ts';
import { CliFailure, ExitCode, UsageError } from './errors.ts';
import type { Output } from './output.ts';
import { nearest } from './suggest.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** `--name VALUE`'s value name in the help, e.g. `USD`. */
  readonly value?: string;
  readonly description: string;
}

export interface Command {
  /** `jobs submit`. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments as the help shows them: `JOB`, `[MONTH]`, `-- COMMAND...`. */
  readonly args?: string;
  /** Whether everything after `--` is a command to run (`jobs submit`), given as `rest`. */
  readonly takesCommand?: boolean;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** More help: examples, formats. */
  readonly details?: string;
  run(context: Context, input: ParsedInput): Promise<number>;
}

export interface ParsedInput {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  /** What followed `--`, for commands that take a command. */
  readonly rest: readonly string[];
}

/** What a command may use: output, environment, config, the API, time. Tests swap each. */
export interface Context {
  readonly output: Output;
  readonly env: Env;
  readonly json: boolean;
  readonly configFile: string;
  readonly fetch: Fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** The API client from the config file and the environment; fails with exit code 4 when there is no URL or key. */
  api(): Promise<ApiClient>;
  /** Runs a program attached to this terminal (`gpuhive ssh`) and resolves with its exit code. */
  readonly exec: (argv: readonly string[]) => Promise<number>;
}

/** The real `exec`: the program inherits the terminal; a program that is missing is exit code 127, as a shell says. */
export const spawnAttached = (argv: readonly string[]): Promise<number> =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(file ?? '', args, { stdio: 'inherit' });
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print the result as JSON, for scripts' },
  config: { type: 'string', value: 'FILE', description: 'config file (default: $GPUHIVE_CONFIG, $XDG_CONFIG_HOME/gpuhive/config.json or ~/.config/gpuhive/config.json)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const makeContext = (options: { output: Output; env: Env; json: boolean; configFlag?: string; fetch?: Fetch; sleep?: (ms: number) => Promise<void>; now?: () => Date; exec?: (argv: readonly string[]) => Promise<number> }): Context => {
  const configFile = configPath(options.configFlag, options.env);
  const fetchFn = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const onRetry = ({ status, code, waitMs, attempt, attempts }: RetryNotice) =>
    options.output.err(`The API is busy (${status} ${code}); trying again in ${Math.ceil(waitMs / 1_000)} s (try ${attempt} of ${attempts}).\n`);
  return {
    output: options.output,
    env: options.env,
    json: options.json,
    configFile,
    fetch: fetchFn,
    sleep,
    now: options.now ?? (() => new Date()),
    exec: options.exec ?? spawnAttached,
    async api() {
      const connection = resolveConnection(await readConfig(configFile), options.env);
      if (!connection) throw new CliFailure('Not logged in: run `gpuhive login --api URL`, or set GPUHIVE_API and GPUHIVE_API_KEY.', ExitCode.auth);
      if (!connection.apiKey) throw new CliFailure('No API key: run `gpuhive login`, or set GPUHIVE_API_KEY.', ExitCode.auth);
      return new ApiClient(connection.apiUrl, connection.apiKey, fetchFn, { sleep, onRetry });
    },
  };
};

/** parseArgs with the command's options and the global ones; unknown flags are usage errors naming the flag. */
export const parseInput = (command: Command, argv: readonly string[]): ParsedInput => {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) },
    ]),
  );
  const split = command.takesCommand ? argv.indexOf('--') : -1;
  const args = split === -1 ? argv : argv.slice(0, split);
  const rest = split === -1 ? [] : argv.slice(split + 1);
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as ParsedInput['values'], positionals, rest };
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const suggestion = unknown === undefined ? undefined : nearest(unknown, Object.keys(options));
    throw new UsageError(suggestion ? `${message} Did you mean '--${suggestion}'?` : message, command.name);
  }
};

export const helpOf = (command: Command): string => {
  const entries = Object.entries({ ...command.options, ...GLOBAL_OPTIONS }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : ''}`;
    return [flag, `${spec.description}${spec.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return [
    `Usage: gpuhive ${command.name}${Object.keys(command.options).length > 0 ? ' [options]' : ''}${command.args ? ` ${command.args}` : ''}`,
    '',
    command.summary,
    '',
    'Options:',
    ...entries.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`),
    ...(command.details ? ['', command.details.trimEnd()] : []),
    '',
  ].join('\n');
};

// Small readers for flag values: each names the flag it refuses.

export const stringFlag = (input: ParsedInput, name: string): string | undefined => {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
};

export const listFlag = (input: ParsedInput, name: string): string[] => {
  const value = input.values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
};

export const intFlag = (input: ParsedInput, name: string, min: number, max: number): number | undefined => {
  const text = stringFlag(input, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}".`);
  return Number(text);
};

export const usdFlag = (input: ParsedInput, name: string): string | undefined => {
  const text = stringFlag(input, name);
  if (text === undefined) return undefined;
  const cleaned = text.replace(/^\$/, '');
  if (!/^\d{1,9}(\.\d{1,6})?$/.test(cleaned)) throw new UsageError(`--${name} must be a USD amount such as 0.45 (at most 6 decimals), not "${text}".`);
  return cleaned;
};

export const enumFlag = <T extends string>(input: ParsedInput, name: string, allowed: readonly T[]): T | undefined => {
  const text = stringFlag(input, name);
  if (text === undefined) return undefined;
  if (!allowed.includes(text as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${text}".`);
  return text as T;
};

export const onePositional = (input: ParsedInput, what: string): string => {
  const [first, ...rest] = input.positionals;
  if (!first) throw new UsageError(`Give the ${what}.`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  return first;
};

export const noPositionals = (input: ParsedInput): void => {
  if (input.positionals.length > 0) throw new UsageError(`Unexpected argument "${input.positionals[0]}".`);
};
