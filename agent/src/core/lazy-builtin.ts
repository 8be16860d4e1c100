import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A built-in module loaded the first time it is used, for the ones an idle agent may never
 * need: `node:https` where the API and queue are plain HTTP (local development) and
 * `node:child_process` until a job or a detection runs. Each costs ~1 MB of RSS once loaded.
 */
export const lazyBuiltin = <T>(name: `node:${string}`): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
};
