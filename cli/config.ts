import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliFailure, ExitCode } from './errors.ts';

export interface StoredConfig {
  readonly apiUrl?: string;
  readonly apiKey?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `--config`, else `GPUHIVE_CONFIG`, else `$XDG_CONFIG_HOME/gpuhive/config.json`, else `~/.config/gpuhive/config.json`. */
export const configPath = (flag: string | undefined, env: Env): string =>
  flag ?? env.GPUHIVE_CONFIG ?? join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'gpuhive', 'config.json');

export const readConfig = async (path: string): Promise<StoredConfig> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliFailure(`Cannot read the config file ${path}: ${(error as Error).message}`, ExitCode.usage);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object') throw new Error('not an object');
    const { apiUrl, apiKey } = parsed as Record<string, unknown>;
    return { ...(typeof apiUrl === 'string' ? { apiUrl } : {}), ...(typeof apiKey === 'string' ? { apiKey } : {}) };
  } catch (error) {
    throw new CliFailure(`The config file ${path} is not valid JSON (${(error as Error).message}): run gpuhive login again.`, ExitCode.usage);
  }
};

/** Written whole to a temporary file with mode 0600, then renamed: never readable by others, never half-written. */
export const writeConfig = async (path: string, config: StoredConfig): Promise<void> => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
};

export interface Connection {
  readonly apiUrl: string;
  readonly apiKey: string | undefined;
}

/** The config file's URL and key, each overridden by `GPUHIVE_API` and `GPUHIVE_API_KEY`. */
export const resolveConnection = (stored: StoredConfig, env: Env): Connection | undefined => {
  const apiUrl = env.GPUHIVE_API || stored.apiUrl;
  if (!apiUrl) return undefined;
  return { apiUrl: apiUrl.replace(/\/+$/, ''), apiKey: env.GPUHIVE_API_KEY || stored.apiKey };
};
