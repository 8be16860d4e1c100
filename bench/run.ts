/**
 * `npm run bench`: every benchmark, one after another, each printing its figures. They do
 * not fail on time; targets are printed beside the figures for people to read.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '#infra/script-args.ts';

const all = readdirSync(import.meta.dirname).filter((file) => file.endsWith('.bench.ts')).sort();
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(`Usage: npm run bench [-- NAME...]\nRuns bench/*.bench.ts (or those whose file name contains NAME): ${all.join(', ')}\n`);
  process.exit(0);
}
const only = process.argv.slice(2);
const benches = all.filter((file) => only.length === 0 || only.some((name) => file.includes(name)));
if (benches.length === 0) usageError(`No benchmark's file name contains ${only.map((name) => `'${name}'`).join(' or ')}`, 'npm run bench -- --help');

let failed = 0;
for (const bench of benches) {
  process.stdout.write(`\n== ${bench}\n`);
  const run = spawnSync('npx', ['tsx', join('bench', bench)], { stdio: 'inherit', env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' } });
  if (run.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
