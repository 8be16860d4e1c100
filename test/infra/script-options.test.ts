import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** A repository script, as its npm script starts it (`node --import tsx ...`): exit status and output. */
const script = async (file: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', file, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

describe("the repository's scripts", () => {
  it.each([
    ['npm run cost', 'infra/cost/cli.ts', 'Usage: npm run cost -- [options]', '--jobs-per-day N'],
    // Starts nothing: the measurement's runtime would print its start line.
    ['the cost measurement', 'infra/cost/measure.ts', 'Usage: npx tsx infra/cost/measure.ts [options]', '--simulated-minutes M'],
    // Runs no lane: a test would run the whole suite again.
    ['npm test', 'test/run-suite.ts', 'Usage: npm test [-- --fast]', 'npx vitest run <path or name>'],
  ])('%s lists its options with --help and does nothing else', async (_what, file, usage, option) => {
    const result = await script(file, '--help');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(usage);
    expect(result.stdout).toContain(option);
    expect(result.stderr).toBe('');
  });

  it.each([
    ['npm run cost, a value out of range', 'infra/cost/cli.ts', ['--hosts', 'abc'], "--hosts must be a number from 0 to 10000000, got 'abc'. Run 'npm run cost -- --help' for the options."],
    ['npm start, an unknown option', 'infra/local/main.ts', ['--bogus'], "Unknown option '--bogus'. Run 'npm start -- --help' for the options."],
    ['npm run dlq, a bad --peek', 'infra/ops/dlq-cli.ts', ['list', '--peek', '0'], "--peek must be a whole number from 1 to 100, not '0'. Run 'npm run dlq -- --help' for the options."],
    ['npm test, a file to run', 'test/run-suite.ts', ['test/unit'], "Unexpected argument 'test/unit'. Run 'npm test -- --help' for the options."],
    ['the cost measurement, a bad number', 'infra/cost/measure.ts', ['--hosts', 'x'], "--hosts must be a positive number, not 'x'. Run 'npx tsx infra/cost/measure.ts --help' for the options."],
  ])('given a wrong option, %s: one line naming it and where the options are, exit 2, no stack trace', async (_what, file, args, line) => {
    const result = await script(file, ...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe('');
  });
});
