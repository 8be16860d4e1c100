import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimFolder, removeAbandonedFolders } from '#infra/local/owned-folders.ts';

/** Above Linux's largest possible pid (2^22), so no process ever has it. */
const DEAD_PID = 4_194_305;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'owned-folders-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const folder = (name: string, owner?: number): string => {
  const dir = join(root, name);
  mkdirSync(dir);
  if (owner !== undefined) writeFileSync(join(dir, 'owner.pid'), String(owner));
  return dir;
};

describe('scratch folders swept once their owner is gone', () => {
  it('removes a folder whose owner has ended and keeps one whose owner runs', () => {
    const abandoned = folder('scratch-a', DEAD_PID);
    const ours = folder('scratch-b');
    claimFolder(ours);

    removeAbandonedFolders(root, 'scratch-');

    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(ours)).toBe(true);
  });

  it('leaves folders of other names and the one it is told to keep, whoever owned them', () => {
    const other = folder('other-a', DEAD_PID);
    const kept = folder('scratch-kept', DEAD_PID);

    removeAbandonedFolders(root, 'scratch-', kept);

    expect(existsSync(other)).toBe(true);
    expect(existsSync(kept)).toBe(true);
  });

  it('takes a folder without an owner as abandoned only once it is six hours old', () => {
    const recent = folder('scratch-recent');
    const old = folder('scratch-old');
    const sevenHoursAgo = new Date(Date.now() - 7 * 3600_000);
    utimesSync(old, sevenHoursAgo, sevenHoursAgo);

    removeAbandonedFolders(root, 'scratch-');

    expect(existsSync(recent)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });
});
