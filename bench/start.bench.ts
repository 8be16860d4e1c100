/**
 * How long `npm start` takes to print "ready", as a user runs it: cold (a new data dir), then
 * restarted on the same data after a quiet stop. Beside them, the floor measured in the same
 * run: Node starting tsx, and Java starting DynamoDB Local on its own (the runtime cannot be
 * ready before either). Targets: ready <= 10 s cold on the 2-core machine, a restart with data
 * no slower than a cold start.
 * Run: npx tsx bench/start.bench.ts [--runs 2]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '#infra/local/dynamodb-local.ts';
import { QUIET_MARK_FILE } from '#infra/local/quiet-mark.ts';
import { spawnRuntime } from '#test/support/spawned-runtime.ts';
import { percentile, progress, table } from './support.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2' } } });
const RUNS = Math.max(1, Number(values.runs));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `npm start` until its banner, then a clean stop once its queues were seen quiet (so a restart has its mark). */
const timedStart = async (dataDir: string): Promise<number> => {
  const started = Date.now();
  const runtime = await spawnRuntime(['--port', '0', '--data-dir', dataDir]);
  const ready = Date.now() - started;
  const giveUp = Date.now() + 60_000;
  while (!existsSync(join(dataDir, QUIET_MARK_FILE)) && Date.now() < giveUp) await sleep(500);
  await runtime.stop('SIGTERM');
  return ready;
};

const cold: number[] = [];
const warm: number[] = [];
const tsxFloor: number[] = [];
const javaFloor: number[] = [];
for (let run = 1; run <= RUNS; run += 1) {
  const dataDir = mkdtempSync(join(tmpdir(), 'start-bench-'));
  try {
    progress(`run ${run}/${RUNS}: cold start`);
    cold.push(await timedStart(dataDir));
    progress(`run ${run}/${RUNS}: restart with data`);
    warm.push(await timedStart(dataDir));
    progress(`run ${run}/${RUNS}: floors`);
    let at = Date.now();
    spawnSync('npx', ['tsx', '-e', ''], { stdio: 'ignore' });
    tsxFloor.push(Date.now() - at);
    at = Date.now();
    const dynamo = await startDynamoDbLocal({ log: () => undefined });
    javaFloor.push(Date.now() - at);
    await dynamo.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
const median = (values: number[]) => seconds(percentile([...values].sort((a, b) => a - b), 50));
const range = (values: number[]) => `${seconds(Math.min(...values))} - ${seconds(Math.max(...values))}`;
table(`npm start, ready (${RUNS} run(s), median and range)`, [
  ['cold (new data dir)', `${median(cold)}  (${range(cold)})`],
  ['restart with data (after a quiet stop)', `${median(warm)}  (${range(warm)})`],
  ['floor: npx tsx, nothing to run', `${median(tsxFloor)}  (${range(tsxFloor)})`],
  ['floor: DynamoDB Local alone, in memory', `${median(javaFloor)}  (${range(javaFloor)})`],
  ['targets', 'cold <= 10 s; restart no slower than cold'],
]);
