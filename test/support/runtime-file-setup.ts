import { afterAll } from 'vitest';
import { resetForNextFile, restoreWorkerEnv, stopLiveThings } from './file-reset.ts';

/**
 * Runs before each file of the `runtime` project (vitest.config.ts), whose files share their
 * worker process one after another: each starts clean (file-reset.ts), and a file that leaves
 * a runtime (or a loop calling one) running fails, and it is stopped before the next file starts.
 */

// Stops nothing unless a file failed before its afterAll hooks ran.
await resetForNextFile();

afterAll(async () => {
  const left = await stopLiveThings();
  restoreWorkerEnv();
  if (left.length > 0) throw new Error(`Still running after this file's tests: ${left.join(', ')}. Stop each in an afterAll (or a finally).`);
});
