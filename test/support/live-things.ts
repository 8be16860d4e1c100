/**
 * What a test file started in this process and has not stopped yet: its runtimes, loops that
 * call them (`playAgents`) and webhook receivers. On globalThis, not in a module's scope: the `runtime` project
 * evaluates the test modules afresh for every file of a worker, and its per-file setup
 * (test/support/runtime-file-setup.ts) checks after each file that the file stopped all of it.
 */
export interface Live {
  /** What it is, for the message of a file that left it running. */
  readonly what: string;
  stop(): Promise<void>;
}

const KEY = Symbol.for('gpuhive.test.live');

export const liveThings = (): Set<Live> => ((globalThis as { [KEY]?: Set<Live> })[KEY] ??= new Set());

/** Counts `thing` as live until its `stop` is called; returns it with that `stop`. */
export const tracked = <T extends { stop(): Promise<void> }>(what: string, thing: T): T => {
  const live = liveThings();
  const entry: Live = {
    what,
    stop: async () => {
      live.delete(entry);
      await thing.stop();
    },
  };
  live.add(entry);
  return { ...thing, stop: entry.stop };
};
