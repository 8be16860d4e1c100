import { scriptArgs, usageError } from '../script-args.ts';

const HELP = `Usage: npm start -- [options]

Runs the whole gpuhive backend on this machine: DynamoDB Local (Java), SQS and S3
(fauxqs), an EventBridge shim, the HTTP API, the queue consumers and the schedules.

Options:
  --port N          API port (default 8080; 0 picks a free one)
  --data-dir DIR    where DynamoDB Local keeps its data (default .gpuhive/)
  --in-memory       keep nothing on disk
  --log-level L     DEBUG, INFO (default), WARN or ERROR for the functions' JSON logs
  --schedules-every S
                    run every schedule (liveness sweep, outbox sweep) every S seconds
                    instead of each one's own period (60 s), to watch them work
  -h, --help        show this help

Environment:
  GPUHIVE_ADMIN_KEY  the admin key to accept (otherwise one is generated, kept in the
                     data dir, and printed)
`;

const HELP_COMMAND = 'npm start -- --help';
const { values } = scriptArgs({
  options: {
    port: { type: 'string', default: '8080' },
    'data-dir': { type: 'string' },
    'in-memory': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'INFO' },
    'schedules-every': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
}, HELP_COMMAND);

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(`--port must be a port number, not "${values.port}"`, HELP_COMMAND);
const schedulesEvery = values['schedules-every'] === undefined ? undefined : Number(values['schedules-every']);
if (schedulesEvery !== undefined && !(schedulesEvery > 0)) usageError(`--schedules-every must be a number of seconds, not "${values['schedules-every']}"`, HELP_COMMAND);
const adminKey = process.env.GPUHIVE_ADMIN_KEY;
if (adminKey !== undefined && adminKey.length < 16) {
  process.stderr.write('GPUHIVE_ADMIN_KEY must be at least 16 characters long\n');
  process.exit(2);
}
process.env.POWERTOOLS_LOG_LEVEL = values['log-level'].toUpperCase();

const started = Date.now();
const log = (line: string) => process.stderr.write(`[gpuhive] ${line}\n`);
// Found before the seconds of starting: npm killed meanwhile would leave nothing to watch, and the runtime would live on.
const { launchAncestors, watchLaunchers } = await import('./parent-watch.ts');
const launchers = launchAncestors();
// Loaded after the options are read: --help and a bad option answer without loading the backend and the AWS SDK.
const { startLocalRuntime } = await import('./runtime.ts');
try {
  const runtime = await startLocalRuntime({
    port,
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    inMemory: values['in-memory'],
    ...(adminKey ? { adminKey } : {}),
    ...(schedulesEvery ? { scheduleEverySeconds: schedulesEvery } : {}),
    log,
  });
  process.stdout.write(
    [
      `gpuhive local runtime is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  API:        ${runtime.apiUrl}`,
      `  Console:    ${runtime.apiUrl}/ (sign in with an API key)`,
      `  Admin key:  ${runtime.adminKey}`,
      `  Data:       ${values['in-memory'] ? 'in memory (nothing is kept)' : `${values['data-dir'] ?? '.gpuhive'}/ (DynamoDB); queues and files are in memory`}`,
      `  Stand-ins:  DynamoDB ${runtime.endpoints.dynamodb}  SQS+S3 ${runtime.endpoints.sqs}  EventBridge ${runtime.endpoints.eventBridge}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    // Ctrl-C reaches npm and this process at once, and npm relays it again: only a
    // second press a moment later means "stop now".
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince > 2000) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    log(`${signal}: stopping...`);
    runtime.stop().then(
      () => {
        log('stopped.');
        process.exit(0);
      },
      (error: Error) => {
        log(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // npm's sh does not pass a signal on: stop when whatever launched this process is gone.
  watchLaunchers(launchers, () => {
    if (stoppingSince === undefined) shutdown('launcher exited');
  });
} catch (error) {
  const message = (error as Error).message;
  log(`could not start: ${message}`);
  if (/EADDRINUSE/.test(message)) log(`port ${port} is taken: pick another with --port N`);
  process.exit(1);
}
