import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadState, type AgentState, type StatePaths } from '#agent/config/state.ts';

/** What every agent command shares: its options' parsing, its errors, how to name the program. */

export const VERSION = '0.1.0';

/** Where a command prints (stdout; tests collect the lines). */
export type Out = (text: string) => void;

/** One command of `gpuhive-agent`: loaded only when it runs (agent/src/cli.ts). */
export interface AgentCommand {
  readonly help: string;
  run(args: string[], out: Out): Promise<number>;
}

/** Bad usage: the program exits 2 with the message. */
export class UsageError extends Error {}

const common = {
  'state-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const parse = <O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) =>
  parseArgs({ args, options: { ...common, ...options }, allowPositionals: false, strict: true });

export const number = (value: string | undefined, name: string, fallback: number, min = 0): number => {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new UsageError(`--${name} must be a number >= ${min}`);
  return parsed;
};

export const portRangeOf = (value: string | undefined): { from: number; to: number } | undefined => {
  if (value === undefined) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(value);
  const [from, to] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || from < 1024 || to > 65535 || from > to) throw new UsageError('--port-range must be FROM-TO within 1024-65535, e.g. 40000-40099');
  return { from, to };
};

/**
 * How the provider started this program, so the commands we suggest work as typed: a clone runs
 * the launcher in agent/bin through npm (`npx gpuhive-agent`); the installed bundle is
 * `gpuhive-agent` when that name on PATH is this file, else its own path.
 */
export const invocation = (env: NodeJS.ProcessEnv = process.env, script: string | undefined = process.argv[1]): string => {
  if (!script) return 'gpuhive-agent';
  const real = (path: string) => { try { return realpathSync(path); } catch { return undefined; } };
  const self = real(script) ?? script;
  if (/[/\\]agent[/\\]bin[/\\]gpuhive-agent\.mjs$/.test(self)) return 'npx gpuhive-agent';
  const onPath = (env.PATH ?? '').split(delimiter).filter(Boolean).some((dir) => real(join(dir, 'gpuhive-agent')) === self);
  return onPath ? 'gpuhive-agent' : script;
};

/** What to do when the API refuses the agent token: only a new registration issues another. */
export const TOKEN_FIX = (dir: string): string =>
  `fix: the host was deregistered or its token is wrong (state.json edited or copied from another host). Make a new registration token (POST /v1/hosts/registration-tokens as the provider) and run: ${invocation()} register --force --api URL --token TOKEN --price USD --region REGION --state-dir ${dir}`;

export const requireState = (paths: StatePaths): AgentState => {
  const state = loadState(paths);
  if (!state) throw new UsageError(`no host registered in ${paths.dir}: run ${invocation()} register first (or pass --state-dir)`);
  return state;
};

