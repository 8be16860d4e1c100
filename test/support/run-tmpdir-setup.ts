import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { claimFolder, removeAbandonedFolders } from '#infra/local/owned-folders.ts';

/** The name vitest.config.ts gives each run's temporary folder: this prefix and the run's pid. */
export const RUN_TMPDIR_PREFIX = 'gpuhive-test-run-';

/**
 * The run's temporary folder: every worker, and every process a test starts, has it as its
 * `TMPDIR` (vitest.config.ts), and it is removed when the run ends. What tests leave in the
 * system's temporary folder would otherwise pile up there: each CDK synthesis writes its cloud
 * assembly (about 25 MB, assets included) to a `cdk.out*` folder that nothing removes, and
 * agents, bundles and scratch clones leave folders of their own, about 1 GB a run in all.
 * Each project of the run names this setup; the folder is made once and removed at the end.
 */
export default function setup(project: TestProject): () => void {
  const dir = project.config.env.TMPDIR;
  if (!dir || !basename(dir).startsWith(RUN_TMPDIR_PREFIX)) throw new Error(`TMPDIR must be a run folder (${RUN_TMPDIR_PREFIX}<pid>), not ${dir}`);
  mkdirSync(dir, { recursive: true });
  claimFolder(dir);
  removeAbandonedFolders(dirname(dir), RUN_TMPDIR_PREFIX, dir);
  // tsx keeps its compile cache in the temporary folder (`tsx-<euid>`): it stays the shared one, or each run's
  // `npm start`s and `npx tsx` would compile every module afresh (docs-commands: 114 CPU s against 91 warm).
  const tsxCache = `tsx-${process.geteuid?.() ?? userInfo().username}`;
  mkdirSync(join(dirname(dir), tsxCache), { recursive: true });
  if (!existsSync(join(dir, tsxCache))) symlinkSync(join(dirname(dir), tsxCache), join(dir, tsxCache));
  return () => rmSync(dir, { recursive: true, force: true });
}
