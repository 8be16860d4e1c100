/**
 * `npm test` (and `npm run test:fast`): the test files in lanes that keep two cores busy. The
 * `runtime` project waits on its runtimes' clocks (leases, sweeps, heartbeats) much of its time
 * and takes longest, so it starts at once, beside the `isolated` project (agents, Docker,
 * Chromium, `npm start`), each on two workers. The unit projects only compute: they start on one
 * worker of their own when the isolated lane ends, so that their timing tests do not share the
 * cores with Chromium, Docker and the agents. Each lane is its own vitest run; the script fails if
 * any lane does. Lanes that run beside the one printing live keep their output until they end.
 * See docs/testing.md for the measurements.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { scriptArgs } from '#infra/script-args.ts';

const HELP = 'npm test -- --help';
const { values } = scriptArgs({ options: { fast: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } }, HELP);
if (values.help) {
  process.stdout.write(
    'Usage: npm test [-- --fast]\n' +
      'Runs every test file in lanes (test/run-suite.ts); --fast (npm run test:fast) leaves out the isolated project.\n' +
      'For some files only: npx vitest run <path or name>...\n',
  );
  process.exit(0);
}

interface Lane {
  readonly name: string;
  readonly args: readonly string[];
  /** Output kept until the lane ends, so that two lanes at once do not interleave their reports. */
  readonly buffered: boolean;
}

interface Finished {
  readonly lane: Lane;
  readonly code: number;
  readonly seconds: number;
}

const VITEST = join('node_modules', '.bin', 'vitest');
const running = new Set<ReturnType<typeof spawn>>();

const run = (lane: Lane): Promise<Finished> =>
  new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(VITEST, ['run', ...lane.args], { stdio: lane.buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    running.add(child);
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const finish = (code: number) => {
      if (!running.delete(child)) return;
      if (lane.buffered) process.stdout.write(`\n== ${lane.name} lane\n${Buffer.concat(output).toString()}`);
      resolve({ lane, code, seconds: Math.round((Date.now() - started) / 1000) });
    };
    child.once('error', (error) => {
      output.push(Buffer.from(`${error.message}\n`));
      finish(1);
    });
    // `close`, not `exit`: a buffered lane's last output may still be in its pipes when it exits.
    child.once('close', (code) => finish(code ?? 1)); // null: ended by a signal
  });

// Ctrl-C reaches every lane from the terminal; a TERM (a CI timeout) is passed on. Either way, report what ended
// and start no later lane.
let stopping = false;
process.on('SIGINT', () => (stopping = true));
process.on('SIGTERM', () => {
  stopping = true;
  running.forEach((child) => child.kill('SIGTERM'));
});

const started = Date.now();
const isolated = values.fast ? undefined : run({ name: 'isolated', args: ['--project', 'isolated'], buffered: false });
// In `--fast` the runtime lane is the only one that can print as it goes.
const runtime = run({ name: 'runtime', args: ['--project', 'runtime'], buffered: !values.fast });
// At the same priority: at `nice 10` the unit files were starved beside another run, and a test of the SQS poller's
// batching window failed (docs/testing.md).
const unit = Promise.resolve(isolated).then((lane) =>
  stopping ? undefined : run({ name: 'unit', args: ['--project', 'unit', '--project', 'unit-isolated', '--maxWorkers', '1'], buffered: true }),
);
const finished = (await Promise.all([isolated, runtime, unit])).filter((lane) => lane !== undefined);

process.stdout.write(
  `\nTest lanes, ${Math.round((Date.now() - started) / 1000)} s in all${stopping ? ' (stopped: later lanes not run)' : ''}:\n` +
    finished.map(({ lane, code, seconds }) => `  ${lane.name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s\n`).join(''),
);
process.exit(!stopping && finished.every(({ code }) => code === 0) ? 0 : 1);
