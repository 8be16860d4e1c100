import { afterEach } from 'vitest';

/**
 * A test runtime is quiet, which leaves a failed test with no trace of what the backend did
 * (a handler that failed and waits for its queue's visibility timeout, a request that took
 * seconds). Its log lines are kept here instead, the last few hundred, and printed under the
 * test that failed (`printRuntimeLogOnFailure`, a setup file of the projects that start runtimes).
 */

const KEEP = 400;
const KEY = Symbol.for('gpuhive.test.runtimeLog');
const lines = (): string[] => ((globalThis as { [KEY]?: string[] })[KEY] ??= []);

/** A runtime's `log` option: keeps the line, stamped and named for the runtime it came from. */
export const keptLog = (runtime: string) => (line: string): void => {
  const kept = lines();
  kept.push(`${new Date().toISOString()} ${runtime}: ${line}`);
  if (kept.length > KEEP) kept.splice(0, kept.length - KEEP);
};

/** Of those, the failure summary at the end of a run (what a CI log's tail shows) repeats this many, answered requests left out. */
const IN_SUMMARY = 40;
const ANSWERED = /: (GET|POST|PUT|PATCH|DELETE) \S+ [234]\d\d \d+ms$/;

/**
 * After each test: what the runtimes logged while it ran, dropped if it passed; if it failed,
 * printed whole under it and its last lines added to its error, which the run's summary repeats.
 */
export const printRuntimeLogOnFailure = (): void =>
  afterEach(({ task }) => {
    const logged = lines().splice(0);
    const error = task.result?.errors?.[0];
    if (task.result?.state !== 'fail' || logged.length === 0) return;
    process.stderr.write(`\nWhat the local runtime logged during "${task.name}" (last ${logged.length} lines):\n${logged.join('\n')}\n\n`);
    const notable = logged.filter((line) => !ANSWERED.test(line)).slice(-IN_SUMMARY);
    if (error) error.message += `\n\nThe local runtime's last ${notable.length} log lines other than answered requests:\n${notable.join('\n') || '(none)'}`;
  });
