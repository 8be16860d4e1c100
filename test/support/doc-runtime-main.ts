import { loadHandler } from '#infra/local/handlers.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';
import { topology } from '#infra/topology.ts';
import type { DocRuntimeConfig } from './doc-runtime.ts';

/**
 * A child process of a docs test (test/support/doc-runtime.ts): the backend `npm start`
 * runs, with every schedule at its own period, on the test run's DynamoDB Local instead of a
 * Java process of its own. It tells its parent where it listens over the IPC channel once every
 * function is loaded, logs to stderr, and stops on SIGTERM or as soon as its parent is gone
 * (the channel closes).
 */
const config = JSON.parse(process.argv[2] ?? '{}') as DocRuntimeConfig;
const runtime = await startLocalRuntime({
  port: 0,
  dataDir: config.dataDir,
  dynamodb: config.dynamodb,
  log: (line) => process.stderr.write(`[gpuhive] ${line}\n`),
});

// Every function loaded before the docs' first command: on a loaded machine a first request that
// also loads its handler's modules could outlast the function's timeout (a 503) or the agent's.
for (const fn of [topology.authorizer, ...topology.routes, ...topology.queues, ...topology.schedules]) await loadHandler(process.cwd(), fn);

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
