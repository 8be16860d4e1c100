import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey, topology } from '#infra/topology.ts';
import { runBlocks, shellBlocks, type ShellBlock } from '#test/support/doc-blocks.ts';
import { spawnRuntime, type SpawnedRuntime } from '#test/support/spawned-runtime.ts';

/**
 * Every shell block of README.md and docs/*.md is either run by a test or marked as not run
 * with its reason (see test/support/doc-blocks.ts for the marks). This file runs the `run`
 * blocks of each document in docs/, in order, in one shell per document, against a real
 * `npm start`, and lists the `not run` ones as skipped tests that give the reason. The
 * README's tour is run by readme-walkthrough.test.ts.
 *
 * The blocks run in a scratch "clone" (the repository's files linked into a temporary
 * directory), so `npm run ...` and `npx gpuhive` work as in a clone while the files the
 * examples write, the runtime's data dir and the CLI's and agent's state stay out of the
 * repository. `HOME` is a scratch directory too, and the agent installer's prefix is on PATH.
 */
const root = resolve('.');
const documents = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const blocksOf = new Map(documents.map((file) => [file, shellBlocks(file)]));
const where = (block: ShellBlock) => `${block.file}:${block.line}`;

let scratch: string;
let runtime: SpawnedRuntime;
let shellEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gpuhive-docs-'));
  for (const entry of readdirSync(root)) {
    if (entry === '.git' || entry === '.gpuhive') continue;
    symlinkSync(join(root, entry), join(scratch, entry));
  }
  // The package's commands, as `npm link` or an installed package puts them on PATH.
  const bin = join(scratch, '.bin');
  mkdirSync(bin);
  const commands = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin;
  for (const [name, path] of Object.entries(commands)) symlinkSync(join(root, path), join(bin, name));
  const home = join(scratch, '.home');
  mkdirSync(home);
  const agentPrefix = join(home, 'gpuhive-agent');
  const agentState = join(home, '.gpuhive-agent');

  runtime = await spawnRuntime(['--port', '0', '--schedules-every', '1'], {}, scratch);
  const { GPUHIVE_API, GPUHIVE_API_KEY, GPUHIVE_CONFIG, XDG_CONFIG_HOME, ...inherited } = process.env;
  shellEnv = {
    ...inherited,
    API: runtime.apiUrl,
    ADMIN_KEY: runtime.adminKey,
    HOME: home,
    // Where the installer puts the agent and its state (as root it would use /opt and /var/lib).
    GPUHIVE_PREFIX: agentPrefix,
    GPUHIVE_STATE_DIR: agentState,
    GPUHIVE_AGENT_STATE_DIR: agentState,
    PATH: [bin, agentPrefix, process.env.PATH ?? ''].join(':'),
  };
}, 90_000);

afterAll(async () => {
  await runtime?.stop('SIGINT');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 30_000);

describe('the commands in the docs', () => {
  it('marks every shell block of README.md and docs/ as run, walkthrough or not run', () => {
    const unmarked = [...blocksOf.values()].flat().filter((block) => block.mark.kind === 'unmarked').map(where);
    const misplaced = [...blocksOf.values()].flat().filter((block) => block.mark.kind === 'walkthrough' && block.file !== 'README.md').map(where);
    const readmeRuns = (blocksOf.get('README.md') ?? []).filter((block) => block.mark.kind === 'run').map(where);

    expect(unmarked, 'add <!-- run --> or <!-- not run: why --> on the line before each block').toEqual([]);
    expect(misplaced).toEqual([]);
    expect(readmeRuns, 'the README runs through its walkthrough test: mark its blocks <!-- walkthrough -->').toEqual([]);
  });

  it('lists every route of the topology in docs/api.md', () => {
    const guide = readFileSync('docs/api.md', 'utf8');

    const missing = topology.routes.map(routeKey).filter((key) => !guide.includes(`\`${key}\``));

    expect(missing).toEqual([]);
  });

  for (const [file, blocks] of blocksOf) {
    const notRun = blocks.filter((block) => block.mark.kind === 'not-run');
    // A block no test can run (a deploy, a soak) says why, in the doc a reader sees.
    if (notRun.length > 0) {
      it(`gives a reason for each block of ${file} it does not run`, () => {
        const reasons = notRun.map((block) => `${where(block)}: ${block.mark.kind === 'not-run' ? block.mark.reason.trim() : ''}`);
        expect(reasons.filter((line) => line.endsWith(': '))).toEqual([]);
      });
    }
    const runnable = blocks.filter((block) => block.mark.kind === 'run');
    if (file === 'README.md' || runnable.length === 0) continue;
    // DOCS_ONLY=docs/api.md runs one document's commands, to iterate on it.
    if (process.env.DOCS_ONLY && process.env.DOCS_ONLY !== file) continue;

    it(`runs the commands of ${file} as written`, async () => {
      const run = await runBlocks(runnable, { cwd: scratch, env: shellEnv, timeoutMs: 240_000 });

      const context = `${run.failedBlock ? `stopped in the block at ${where(run.failedBlock)}\n` : ''}stdout:\n${run.stdout.slice(-4000)}\nstderr:\n${run.stderr.slice(-4000)}`;
      expect(run.status, context).toBe(0);
      runnable.forEach((block, index) => {
        const output = run.outputs[index] ?? '';
        for (const text of block.mark.kind === 'run' ? block.mark.prints : []) {
          expect(output, `${where(block)} should print ${text}`).toContain(text);
        }
      });
    }, 300_000);
  }
});
