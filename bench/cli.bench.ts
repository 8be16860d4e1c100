/**
 * The renter CLI's start time as renters run it: `gpuhive jobs list` from the single-file
 * bundle on plain Node against the local backend, beside bare `node -e 0` on the same
 * machine in the same run (the floor no CLI can beat) and the clone's tsx bin (what the
 * bundle replaces). Target: `jobs list` well under 500 ms.
 * Run: npx tsx bench/cli.bench.ts [--runs 10]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { writeCliBundle } from '../cli/bundle.ts';
import { apiClient } from '#test/support/local-runtime.ts';
import { benchRuntime, percentile, progress, table } from './support.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = Number(values.runs);
const run = promisify(execFile);

/** Wall milliseconds of each of `RUNS` runs of `node ARGS`, sorted; every run must exit 0. */
const timed = async (args: readonly string[], env: Record<string, string>): Promise<number[]> => {
  const times: number[] = [];
  for (let n = 0; n < RUNS; n += 1) {
    const started = performance.now();
    await run(process.execPath, [...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
};
const figure = (times: readonly number[]) => `p50 ${Math.round(percentile(times, 50))} ms, max ${Math.round(times.at(-1) ?? Number.NaN)} ms`;

const runtime = await benchRuntime();
try {
  const api = apiClient(runtime.apiUrl);
  const bundle = join(mkdtempSync(join(tmpdir(), 'cli-bench-')), 'gpuhive.mjs');
  progress('bundling the CLI');
  await writeCliBundle(bundle);
  const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'bench' } });
  const env = { GPUHIVE_API: runtime.apiUrl, GPUHIVE_API_KEY: renter.body.apiKey as string, HOME: tmpdir() };

  progress(`timing ${RUNS} runs of each`);
  const floor = await timed(['-e', '0'], {});
  const version = await timed([bundle, '--version'], env);
  const list = await timed([bundle, 'jobs', 'list'], env);
  const viaTsx = await timed([resolve('cli/bin/gpuhive.mjs'), 'jobs', 'list'], env);
  table(`Renter CLI start (Node ${process.versions.node}, ${RUNS} runs each)`, [
    ['node -e 0 (the floor on this machine)', figure(floor)],
    ['bundle: gpuhive --version', figure(version)],
    ['bundle: gpuhive jobs list', `${figure(list)} (target well under 500 ms)`],
    ["clone's tsx bin: gpuhive jobs list", `${figure(viaTsx)} (what the bundle replaces)`],
  ]);
} finally {
  await runtime.stop();
}
