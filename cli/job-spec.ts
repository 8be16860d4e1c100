import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { SubmitJobRequest } from '../shared/contract/jobs.ts';
import { UsageError } from './errors.ts';

/**
 * The body of `POST /v1/jobs` as the CLI builds it: the wire contract's type
 * (shared/contract/jobs.ts), so a field renamed or retyped there fails `tsc` here. A job
 * file is sent as it is read: the API names any field it does not take.
 */
export type JobSpec = SubmitJobRequest;

export interface SubmitFlags {
  readonly gpus?: number;
  readonly maxPrice?: string;
  readonly hosts?: number;
  readonly models: readonly string[];
  readonly minVramMb?: number;
  readonly regions: readonly string[];
  readonly image?: string;
  readonly env: readonly string[];
  readonly maxDurationSeconds?: number;
  readonly name?: string;
  readonly restartPolicy?: string;
  /** `interruptible`: priced by `bid` instead of a max price (docs/interruptible.md). */
  readonly tier?: string;
  readonly bid?: string;
  readonly command: readonly string[];
  /** A template from `gpuhive templates`: it gives the image, command, ports, GPU floor and duration. */
  readonly template?: string;
  /** `[NAME:]PORT[/http|tcp]`, each a port the job listens on. */
  readonly ports?: readonly string[];
}

/** `jupyter:8888/http` -> { name, containerPort, protocol }; tcp unless /http. */
export const parsePortFlag = (text: string): { name?: string; containerPort: number; protocol: 'http' | 'tcp' } => {
  const match = /^(?:([A-Za-z][A-Za-z0-9_-]{0,31}):)?(\d{1,5})(?:\/(http|tcp))?$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--port wants [NAME:]PORT[/http|tcp] with a port from 1 to 65535, e.g. jupyter:8888/http, not "${text}".`);
  return { ...(match[1] ? { name: match[1] } : {}), containerPort: port, protocol: (match[3] as 'http' | 'tcp' | undefined) ?? 'tcp' };
};

/** Without `--max-duration` or `maxDurationSeconds` in the file: one hour. */
export const DEFAULT_MAX_DURATION_SECONDS = 3600;

/** A job file: YAML or JSON (YAML is a superset) with the fields of `POST /v1/jobs`. */
export const readJobFile = async (path: string): Promise<JobSpec> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the job file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new UsageError(`The job file ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`The job file ${path} must hold an object with the fields of POST /v1/jobs.`);
  return parsed as JobSpec;
};

/** `K=V` sets K; a bare `K` copies K from this shell's environment, as `docker run -e K` does. */
export const parseEnvFlags = (entries: readonly string[], shellEnv: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const name = at === -1 ? entry : entry.slice(0, at);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--env wants NAME=VALUE with a name of letters, digits and _, not "${entry}".`);
    const value = at === -1 ? shellEnv[name] : entry.slice(at + 1);
    if (value === undefined) throw new UsageError(`--env ${name}: ${name} is not set in this shell; give --env ${name}=VALUE.`);
    env[name] = value;
  }
  return env;
};

/**
 * The job body from a file (if any) and the flags; a flag given overrides the file's field.
 * The API validates the result and names any bad field; here only what it cannot default.
 */
export const buildJobSpec = (file: JobSpec | undefined, flags: SubmitFlags, shellEnv: Readonly<Record<string, string | undefined>>): JobSpec => {
  const spec: JobSpec = { ...(file ?? {}) };
  if (flags.template !== undefined) spec.template = flags.template;
  const fromTemplate = spec.template !== undefined;
  const gpu: Partial<NonNullable<JobSpec['gpu']>> = { ...(spec.gpu ?? {}) };
  if (flags.gpus !== undefined) gpu.count = flags.gpus;
  if (flags.models.length > 0) gpu.models = [...flags.models];
  if (flags.minVramMb !== undefined) gpu.minVramMb = flags.minVramMb;
  if (gpu.count === undefined && !fromTemplate) throw new UsageError('Give the GPUs per host with --gpus N (or gpu.count in the job file).');
  // A template gives the GPU floor and one GPU; models, VRAM and the count may still be chosen.
  if (Object.keys(gpu).length > 0) spec.gpu = { ...gpu, count: gpu.count ?? 1 };
  // The command reads --tier and --restart-policy with enumFlag; the API names a bad value in a job file.
  if (flags.tier !== undefined) spec.tier = flags.tier as JobSpec['tier'];
  if (flags.bid !== undefined) spec.bidPerGpuHour = flags.bid;
  if (flags.maxPrice !== undefined) spec.maxPricePerGpuHour = flags.maxPrice;
  if (spec.tier === 'interruptible') {
    if (spec.bidPerGpuHour === undefined) throw new UsageError('Interruptible work needs a bid: give --bid USD (per GPU-hour; or bidPerGpuHour in the job file).');
    if (spec.maxPricePerGpuHour !== undefined) throw new UsageError('Interruptible work pays its bid: leave out --max-price (and maxPricePerGpuHour).');
  } else if (spec.bidPerGpuHour !== undefined) {
    throw new UsageError('--bid is for --tier interruptible; on-demand work gives --max-price.');
  } else if (spec.maxPricePerGpuHour === undefined) throw new UsageError('Give the most you pay per GPU-hour with --max-price USD (or maxPricePerGpuHour in the job file).');
  if (flags.hosts !== undefined) spec.hosts = flags.hosts;
  if (flags.regions.length > 0) spec.regions = [...flags.regions];
  if (flags.image !== undefined) spec.image = flags.image;
  if (flags.name !== undefined) spec.name = flags.name;
  if (flags.restartPolicy !== undefined) spec.restartPolicy = flags.restartPolicy as JobSpec['restartPolicy'];
  if (flags.command.length > 0) spec.command = [...flags.command];
  if (flags.env.length > 0) spec.env = { ...(spec.env ?? {}), ...parseEnvFlags(flags.env, shellEnv) };
  if (flags.maxDurationSeconds !== undefined) spec.maxDurationSeconds = flags.maxDurationSeconds;
  if (flags.ports && flags.ports.length > 0) spec.ports = flags.ports.map(parsePortFlag);
  if (fromTemplate) {
    if (spec.image !== undefined || spec.command !== undefined) throw new UsageError('A template gives the image and command: leave out --image and the command after --.');
    return spec;
  }
  spec.maxDurationSeconds ??= DEFAULT_MAX_DURATION_SECONDS;
  if (spec.image === undefined && spec.command === undefined) throw new UsageError('Give --image IMG, a command after --, or both (or --template NAME).');
  return spec;
};
