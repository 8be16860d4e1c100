import { loadHandler } from '#infra/local/handlers.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';
import { topology } from '#infra/topology.ts';
import type { DocRuntimeConfig } from './doc-runtime.ts';

/**
 * A child process of a docs test (test/support/doc-runtime.ts): the backend `npm start`
 * runs, on the test run's DynamoDB Local instead of a Java process of its own. It tells its
 * parent where it listens over the IPC channel, logs to stderr, and stops on SIGTERM or as
 * soon as its parent is gone (the channel closes).
 */
const config = JSON.parse(process.argv[2] ?? '{}') as DocRuntimeConfig;
const runtime = await startLocalRuntime({
  port: 0,
  dataDir: config.dataDir,
  scheduleSeconds: config.scheduleSeconds,
  dynamodb: config.dynamodb,
  log: (line) => process.stderr.write(`[gpuhive] ${line}\n`),
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  runtime.stop().then(
    () => process.exit(0),
    (error: Error) => {
      process.stderr.write(`[gpuhive] stop failed: ${error.message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
process.send?.({ apiUrl: runtime.apiUrl, adminKey: runtime.adminKey });
// Every function's modules loaded in the background while the docs' first commands run, rather
// than by the request that first needs them: that request then waits less on a loaded machine.
for (const fn of [topology.authorizer, ...topology.routes, ...topology.queues, ...topology.schedules]) {
  // A module that fails to load fails its requests too, with the reason in the log.
  await loadHandler(process.cwd(), fn).catch((error: Error) => process.stderr.write(`[gpuhive] loading ${fn.entry}: ${error.message}\n`));
}
