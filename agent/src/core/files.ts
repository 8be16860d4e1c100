import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';

/** Files the agent writes hold its token or renters' data: owner only. */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

export const ensurePrivateDir = (dir: string): void => {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
};

const fsyncDir = (dir: string): void => {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
};

/** Write-then-rename with fsync: a crash leaves the old file or the new one, never half. */
export const writeFileAtomic = (path: string, data: string): void => {
  ensurePrivateDir(dirname(path));
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w', PRIVATE_FILE);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, PRIVATE_FILE);
  renameSync(temporary, path);
  fsyncDir(dirname(path));
};

export const readJsonFile = <T>(path: string): T | undefined => {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as T;
};

export const writeJsonFile = (path: string, value: unknown): void => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
