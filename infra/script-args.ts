/**
 * Options of the repository's own scripts (`npm start`, `npm test`, `npm run dlq`, `npm run cost`, the cost
 * measurement, the soak and the benchmarks): a wrong option or value ends the script with one line naming it and
 * where the options are listed, and exit status 2, as the gpuhive CLIs do; not a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const usageError = (message: string, help: string): never => {
  process.stderr.write(`${message.replace(/\.$/, '')}. Run '${help}' for the options.\n`);
  process.exit(2);
};

/** `parseArgs` (strict, as by default), with a usage error instead of its exception. */
export const scriptArgs = <T extends ParseArgsConfig>(config: T, help: string): ReturnType<typeof parseArgs<T>> => {
  try {
    return parseArgs(config);
  } catch (error) {
    // Node's message for an unknown option goes on to explain `--` for positionals: the first sentence says it.
    return usageError((error as Error).message.split('. ')[0] ?? String(error), help);
  }
};

/** A number option's value, above zero (or zero too, with `orZero`), or a usage error naming the option. */
export const positiveOption = (name: string, raw: unknown, help: string, { orZero = false } = {}): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !orZero)) {
    usageError(`--${name} must be ${orZero ? 'a number, 0 or more' : 'a positive number'}, not '${String(raw)}'`, help);
  }
  return value;
};
