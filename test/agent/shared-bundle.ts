import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUNDLE_NAME = 'gpuhive-agent.cjs';
/** Longer than a build takes on a loaded machine; past it a file builds its own rather than wait on a builder that died. */
const WAIT_FOR_BUILDER_MS = 120_000;

const build = async (dir: string): Promise<string> => {
  // esbuild is loaded only by the file that builds.
  const { bundleAgent } = await import('../../agent/bundle.ts');
  const path = join(dir, BUNDLE_NAME);
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, await bundleAgent(), { mode: 0o755 });
  // Whole or absent: a file waiting for it never starts a half-written bundle.
  renameSync(partial, path);
  return path;
};

const appeared = async (path: string, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
};

/**
 * The agent bundle in the run's folder for it (test/support/agent-bundle-setup.ts): the first
 * file to get here takes the lock file and builds it, the others wait for it. Without that
 * folder (a config without the setup) a file builds its own in a folder removed at its exit.
 */
export const sharedAgentBundle = async (runDir: string | undefined): Promise<string> => {
  if (!runDir) {
    const own = mkdtempSync(join(tmpdir(), 'gpuhive-agent-bundle-'));
    process.once('exit', () => rmSync(own, { recursive: true, force: true }));
    return build(own);
  }
  const path = join(runDir, BUNDLE_NAME);
  if (existsSync(path)) return path;
  try {
    closeSync(openSync(join(runDir, 'building'), 'wx'));
  } catch {
    if (await appeared(path, WAIT_FOR_BUILDER_MS)) return path;
  }
  return existsSync(path) ? path : build(runDir);
};
