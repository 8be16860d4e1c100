import { afterAll } from 'vitest';
import { restoreEnv } from './file-reset.ts';

/**
 * Runs before each file of the `unit-isolated` project (vitest.config.ts), whose files share
 * their worker process one after another, each in a VM context of its own (modules, mocks,
 * globals and timers are the file's). The process's environment is what they still share: each
 * file leaves it as it found it, stubbed or written.
 */
const atStart = { ...process.env };

afterAll(() => restoreEnv(atStart));
