import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { copyTemplate } from './dynamodb-template.ts';

/** What test/support/doc-runtime-main.ts starts the backend with. */
export interface DocRuntimeConfig {
  readonly dataDir: string;
  readonly dynamodb: { readonly endpoint: string; readonly accessKeyId: string; readonly tablesStage: string };
}

export interface DocRuntime {
  readonly apiUrl: string;
  readonly adminKey: string;
  /** Its stderr: the `[gpuhive]` lines, each request with its status, failures. */
  readonly log: () => string;
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./doc-runtime-main.ts', import.meta.url));
/** Within the 120 s of the test's beforeAll: on a machine at a load of 40 a start with its functions loaded took over 90 s. */
const READY_WITHIN_MS = 110_000;
/** How much of its log a runtime keeps. */
const LOG_CHARS = 200_000;

/**
 * The backend `npm start` runs (startLocalRuntime), in a process of its own through tsx (whose
 * cache of compiled files makes each start after the first cheaper than vitest's transforms
 * of the backend's modules in the test process), with
 * its data dir at `dataDir` (its runtime.json tells `npm run dlq` where its queues are), its
 * own fauxqs under the local stage's names, and its tables in a copy of the run's template
 * database on the run's one DynamoDB Local: no Java process and no tables to create per
 * backend. Every schedule keeps its own period, as under a plain `npm start`: no document waits
 * on a sweep, and with the once-a-minute ones every 5 s the file took 101 CPU s against 92
 * (2026-12-06; every second, they had been a fifth of its CPU).
 */
export const startDocRuntime = async (dataDir: string, env: NodeJS.ProcessEnv): Promise<DocRuntime> => {
  const template = inject('dynamoDbTemplate');
  const accessKeyId = `docs${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const endpoint = inject('sharedDynamoDb');
  const removeTables = await copyTemplate(template, endpoint, accessKeyId);
  const config: DocRuntimeConfig = {
    dataDir,
    dynamodb: { endpoint, accessKeyId, tablesStage: template.tablesStage },
  };
  const child = fork(MAIN, [JSON.stringify(config)], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_CHARS);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const ready = await new Promise<{ apiUrl: string; adminKey: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the docs' backend was not ready in ${READY_WITHIN_MS / 1000} s:\n${log}`)), READY_WITHIN_MS);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as { apiUrl: string; adminKey: string });
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the docs' backend exited before it was ready:\n${log}`));
      });
    });
    return {
      ...ready,
      log: () => log,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await removeTables();
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await removeTables();
    throw error;
  }
};
