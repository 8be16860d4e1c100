import { vi } from 'vitest';
import { dropFixtureStates } from '../fixtures/fixture-state.ts';
import { liveThings } from './live-things.ts';

/**
 * What a file of the `runtime` project gets before it starts, in a worker that ran other files
 * before it (test/support/runtime-file-setup.ts), as a process of its own would give it.
 */

const BASELINE = Symbol.for('gpuhive.test.workerEnv');
const holder = globalThis as { [BASELINE]?: Readonly<Record<string, string | undefined>> };

/** The environment the worker had before its first file: recorded where this module is first evaluated. */
const workerEnv = (holder[BASELINE] ??= { ...process.env });

/** `process.env` as it was in `snapshot`: names added since removed, the others set back. */
export const restoreEnv = (snapshot: Readonly<Record<string, string | undefined>>): void => {
  for (const name of Object.keys(process.env)) if (!(name in snapshot)) delete process.env[name];
  for (const [name, value] of Object.entries(snapshot)) if (value !== undefined) process.env[name] = value;
};

/** The worker's environment again: a runtime sets its tables, queues and endpoints there, a test's `env` option its settings. */
export const restoreWorkerEnv = (): void => restoreEnv(workerEnv);

/** Stops the runtimes (and the loops calling them) still running in this process; returns what they were. */
export const stopLiveThings = async (): Promise<string[]> => {
  const left = [...liveThings()];
  await Promise.all(left.map((thing) => thing.stop()));
  return left.map((thing) => thing.what);
};

/**
 * A clean start: no runtime of an earlier file left running (its pollers and schedules would
 * go on beside the next file's), nor a loop calling one, the worker's environment, no fixture
 * handler's records (test/fixtures/fixture-state.ts), and our own modules evaluated
 * afresh, so the functions read the next runtime's environment at import and build their
 * clients and caches for it. node_modules stay loaded (Node's own module cache): the saving.
 */
export const resetForNextFile = async (): Promise<string[]> => {
  const stopped = await stopLiveThings();
  restoreWorkerEnv();
  dropFixtureStates();
  vi.resetModules();
  return stopped;
};
