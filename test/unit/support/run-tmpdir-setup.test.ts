import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import setup, { RUN_TMPDIR_PREFIX } from '#test/support/run-tmpdir-setup.ts';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const projectWith = (dir: string) => ({ config: { env: { TMPDIR: dir } } }) as unknown as TestProject;

/** A folder as another run left it, owned by `pid`. */
const runFolder = (root: string, name: string, pid: number) => {
  const dir = join(root, `${RUN_TMPDIR_PREFIX}${name}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'owner.pid'), String(pid));
  return dir;
};

describe('the run\'s temporary folder', () => {
  it('is made for the run, clears those of runs that died, keeps the rest, and is removed with all it holds at the end', () => {
    const root = mkdtempSync(join(tmpdir(), 'run-tmpdir-'));
    roots.push(root);
    // No process has this pid: Linux's pid_max is at most 2^22.
    const abandoned = runFolder(root, 'dead', 99_999_999);
    const running = runFolder(root, 'alive', process.pid);
    const unrelated = join(root, 'cdk.outAbc123');
    mkdirSync(unrelated);
    const own = join(root, `${RUN_TMPDIR_PREFIX}${process.pid}`);

    const teardown = setup(projectWith(own));
    writeFileSync(join(own, 'left-by-a-test'), 'x');
    const tsxCache = `tsx-${process.geteuid!()}`;
    writeFileSync(join(own, tsxCache, 'compiled.js'), 'x');

    expect([existsSync(own), existsSync(abandoned), existsSync(running), existsSync(unrelated)]).toEqual([true, false, true, true]);
    teardown();
    expect(existsSync(own)).toBe(false);
    expect(existsSync(running)).toBe(true);
    // tsx's compile cache is the shared one beside the run folders, and outlives the run.
    expect(existsSync(join(root, tsxCache, 'compiled.js'))).toBe(true);
  });

  it('refuses a TMPDIR that is not a run folder, since it removes it at the end', () => {
    expect(() => setup(projectWith('/tmp'))).toThrow(/TMPDIR must be a run folder/);
    expect(() => setup(projectWith(''))).toThrow(/TMPDIR must be a run folder/);
  });
});
