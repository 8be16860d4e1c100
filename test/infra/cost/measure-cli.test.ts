import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npx tsx infra/cost/measure.ts', () => {
  it('prints its options with --help, and starts nothing', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'infra/cost/measure.ts', '--help']);

    expect(stdout).toContain('Usage: npx tsx infra/cost/measure.ts [options]');
    expect(stdout).toContain('--simulated-minutes M');
    expect(stdout).not.toContain('Starting the local runtime');
  });
});
