import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCliBundle } from '#cli/bundle.ts';
import { routeKey, topology } from '#infra/topology.ts';
import { runBlocks, shellBlocks, type ShellBlock } from '#test/support/doc-blocks.ts';
import { spawnRuntime } from '#test/support/spawned-runtime.ts';

/**
 * Every shell block of README.md and docs/*.md is either run by a test or marked as not run
 * with its reason (see test/support/doc-blocks.ts for the marks). This file runs the `run`
 * blocks of each document in docs/, in order, in one shell per document, against a real
 * `npm start`, and lists the `not run` ones as skipped tests that give the reason. The
 * README's tour is run by readme-walkthrough.test.ts.
 *
 * The documents are run in two groups at once, each group against its own `npm start` in
 * its own scratch "clone" (the repository's files linked into a temporary directory), so
 * `npm run ...` and `npx gpuhive` work as in a clone while the files the examples write, the
 * runtime's data dir and the CLI's and agent's state stay out of the repository and out of
 * the other groups' way. Within a group the documents run one after another, each in its own
 * shell. `HOME` is a scratch directory too, and the agent installer's prefix is on PATH.
 * `gpuhive` on PATH is the CLI's single-file bundle, as an installed package puts it there
 * (`npx gpuhive` still runs the sources through tsx, as in a clone).
 */
const root = resolve('.');
const documents = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const blocksOf = new Map(documents.map((file) => [file, shellBlocks(file)]));
const where = (block: ShellBlock) => `${block.file}:${block.line}`;

/**
 * Documents whose commands run against one runtime, in this order; the two groups run at
 * once. Two, not more: every `npm start` adds its own Java and its schedules to the machine,
 * and its first requests load their handlers cold, which on a loaded machine outlasted the
 * agent's timeouts with four groups. Balanced by how long each document's commands took
 * (about 200 s a group at a quiet moment); maintenance.md works on the host agent-guide.md
 * registers. A document named in no group joins the last one.
 */
const GROUPS: readonly (readonly string[])[] = [
  ['docs/renter-cli.md', 'docs/interactive-jobs.md', 'docs/api.md', 'docs/cli.md', 'docs/payouts.md'],
  ['docs/agent-guide.md', 'docs/maintenance.md', 'docs/operations.md', 'docs/services.md'],
];
const runnable = (file: string) => (blocksOf.get(file) ?? []).filter((block) => block.mark.kind === 'run');
const toRun = documents.filter((file) => file !== 'README.md' && runnable(file).length > 0);
const named = new Set(GROUPS.flat());
const groups = GROUPS.map((group, index) => [...group, ...(index === GROUPS.length - 1 ? toRun.filter((file) => !named.has(file)) : [])])
  // DOCS_ONLY=docs/api.md runs one document's commands, to iterate on it.
  .map((group) => group.filter((file) => toRun.includes(file) && (!process.env.DOCS_ONLY || process.env.DOCS_ONLY === file)))
  .filter((group) => group.length > 0);

/** Temporary directories to remove at the end. */
const scratchDirs: string[] = [];

/**
 * The renter CLI's bundle, built once for every group: what an installed package puts on
 * PATH; each of the docs' `gpuhive` commands then starts in about a quarter of the CPU time
 * the sources take through tsx. `gpuhive-agent` stays the launcher in agent/bin (the sources through tsx).
 */
let cliBundle: Promise<string> | undefined;
const buildCliBundle = () => {
  cliBundle ??= (async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpuhive-docs-bin-')), 'gpuhive.mjs');
    await writeCliBundle(file);
    scratchDirs.push(dirname(file));
    return file;
  })();
  return cliBundle;
};

/** A scratch clone with its own HOME and `npm start`, and the environment its shells get. */
const startScratch = async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'gpuhive-docs-'));
  scratchDirs.push(scratch);
  for (const entry of readdirSync(root)) {
    if (entry === '.git' || entry === '.gpuhive') continue;
    symlinkSync(join(root, entry), join(scratch, entry));
  }
  // The package's commands, as an installed package and the agent installer put them on PATH.
  const bin = join(scratch, '.bin');
  mkdirSync(bin);
  const commands = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin;
  const cli = await buildCliBundle();
  for (const [name, path] of Object.entries(commands)) symlinkSync(name === 'gpuhive' ? cli : join(root, path), join(bin, name));
  const home = join(scratch, '.home');
  mkdirSync(home);
  const agentPrefix = join(home, 'gpuhive-agent');
  const agentState = join(home, '.gpuhive-agent');

  const runtime = await spawnRuntime(['--port', '0', '--schedules-every', '1'], {}, scratch);
  const { GPUHIVE_API, GPUHIVE_API_KEY, GPUHIVE_CONFIG, XDG_CONFIG_HOME, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
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
  return { scratch, runtime, env };
};

afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

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
  }
});

describe('the commands of the docs, run as written', () => {
  for (const group of groups) {
    // The groups at once (concurrent suites); a group's documents one after another (sequential tests).
    describe.concurrent(group.join(', '), () => {
      let scratch: Awaited<ReturnType<typeof startScratch>> | undefined;
      beforeAll(async () => {
        scratch = await startScratch();
      }, 120_000);
      afterAll(async () => {
        await scratch?.runtime.stop('SIGINT');
      }, 30_000);

      for (const file of group) {
        it.sequential(`runs the commands of ${file} as written`, async ({ expect }) => {
          const blocks = runnable(file);
          const run = await runBlocks(blocks, { cwd: scratch?.scratch ?? root, env: scratch?.env ?? {}, timeoutMs: 240_000 });

          // The runtime's own log too (requests and their status, errors): a failed block often shows only an answer without the field it wanted.
          const runtimeLog = scratch?.runtime.stderr().split('\n').filter((line) => !/ [23]\d\d \d+ms$/.test(line)).join('\n').slice(-3000) ?? '';
          const context = `${run.failedBlock ? `stopped in the block at ${where(run.failedBlock)}\n` : ''}stdout:\n${run.stdout.slice(-4000)}\nstderr:\n${run.stderr.slice(-4000)}\nnpm start (but its 2xx and 3xx requests):\n${runtimeLog}`;
          expect(run.status, context).toBe(0);
          blocks.forEach((block, index) => {
            const output = run.outputs[index] ?? '';
            for (const text of block.mark.kind === 'run' ? block.mark.prints : []) {
              expect(output, `${where(block)} should print ${text}`).toContain(text);
            }
          });
        }, 300_000);
      }
    });
  }
});
