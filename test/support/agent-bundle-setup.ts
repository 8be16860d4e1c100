import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's one agent bundle is built by the first file that starts an agent (test/agent/support.ts). */
    agentBundleDir: string;
  }
}

/**
 * A folder for the run's agent bundle, not the bundle itself: a run without agent tests builds
 * nothing, and one with them builds it once rather than once per file. Emptied when watch mode
 * reruns, so the next file builds from the sources as they are then.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'gpuhive-agent-bundle-'));
  project.provide('agentBundleDir', dir);
  const empty = () => rmSync(dir, { recursive: true, force: true });
  project.onTestsRerun(() => {
    empty();
    mkdirSync(dir);
  });
  return empty;
}
