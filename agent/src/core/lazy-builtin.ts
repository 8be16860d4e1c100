/**
 * Loads a built-in without `node:module` (whose createRequire alone costs ~0.6 MB of an idle
 * agent's RSS): `process.getBuiltinModule` on Node.js 20.16+ and 22.3+; on an older 20.x,
 * the `require` in scope, which in the bundle is the one its wrapper is given.
 */
const load = (name: string): unknown => (process.getBuiltinModule ? process.getBuiltinModule(name) : require(name));

/**
 * A built-in module loaded the first time it is used, for the ones an idle agent may never
 * need: `node:https` where the API and queue are plain HTTP (local development) and
 * `node:child_process` until a job or a detection runs. Each costs ~1 MB of RSS once loaded.
 */
export const lazyBuiltin = <T>(name: `node:${string}`): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
};
