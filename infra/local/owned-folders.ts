import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './parent-watch.ts';

/**
 * Scratch folders that outlive a SIGKILL (of a test run, or of `npm start` with its whole
 * process group, watchdogs included) are claimed by the process that made them and swept by
 * the next one that makes such a folder, once their owner is gone.
 */
const OWNER_FILE = 'owner.pid';
/** A folder without an owner file (left by an older version) is taken as abandoned after this long. */
const UNOWNED_STALE_MS = 6 * 3600_000;

/** Marks `dir` as this process's, so a later one can tell whether its owner still lives. */
export const claimFolder = (dir: string): void => writeFileSync(join(dir, OWNER_FILE), String(process.pid));

/**
 * Removes the folders in `root` named `prefix...` whose owner has ended, leaving those of
 * processes still running beside this one (and `keep`).
 */
export const removeAbandonedFolders = (root: string, prefix: string, keep?: string): void => {
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!name.startsWith(prefix) || dir === keep) continue;
    try {
      const owner = join(dir, OWNER_FILE);
      const abandoned = existsSync(owner)
        ? !isAlive(Number(readFileSync(owner, 'utf8')))
        : Date.now() - statSync(dir).mtimeMs > UNOWNED_STALE_MS;
      if (abandoned) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
};
