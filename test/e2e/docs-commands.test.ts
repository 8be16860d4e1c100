import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey, topology } from '#infra/topology.ts';
import { runBlocks, shellBlocks, type ShellBlock } from '#test/support/doc-blocks.ts';
import { removeCliBundle, startDocScratch, type DocScratch } from '#test/support/doc-scratch.ts';

/**
 * Every shell block of README.md and docs/*.md is either run by a test or marked as not run
 * with its reason (see test/support/doc-blocks.ts for the marks). This file runs the `run`
 * blocks of each document in docs/, in order, in one shell per document, against the backend
 * `npm start` runs, and lists the `not run` ones as skipped tests that give the reason. The
 * README's tour is run by readme-walkthrough.test.ts.
 *
 * The documents are run in groups at once, each group in its own scratch clone with its own
 * backend (test/support/doc-scratch.ts). Within a group the documents run one after another,
 * each in its own shell.
 */
const documents = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
const blocksOf = new Map(documents.map((file) => [file, shellBlocks(file)]));
const where = (block: ShellBlock) => `${block.file}:${block.line}`;

/**
 * Documents whose commands run against one backend, in this order; the groups run at once.
 * A document leaves its hosts behind for the next of its group: one whose jobs or replicas
 * could land on another's host goes in another group (interactive-jobs.md's and services.md's
 * hosts both publish ports). Balanced by how long each document's commands take. A document
 * named in no group joins the last one.
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

/** The backend's log but its 2xx and 3xx requests: a failed block often shows only an answer without the field it wanted. */
const trouble = (log: string) => log.split('\n').filter((line) => !/ [23]\d\d \d+ms$/.test(line)).join('\n').slice(-3000);

afterAll(removeCliBundle);

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
      let scratch: DocScratch | undefined;
      beforeAll(async () => {
        scratch = await startDocScratch();
      }, 120_000);
      afterAll(async () => {
        await scratch?.stop();
      }, 30_000);

      for (const file of group) {
        it.sequential(`runs the commands of ${file} as written`, async ({ expect }) => {
          if (!scratch) throw new Error('no scratch clone: its start failed');
          const blocks = runnable(file);
          const run = await runBlocks(blocks, { cwd: scratch.dir, env: scratch.env, timeoutMs: 240_000 });

          const context = `${run.failedBlock ? `stopped in the block at ${where(run.failedBlock)}\n` : ''}stdout:\n${run.stdout.slice(-4000)}\nstderr:\n${run.stderr.slice(-4000)}\nthe backend (but its 2xx and 3xx requests):\n${trouble(scratch.runtime.log())}`;
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
