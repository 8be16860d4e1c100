import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { newSigningKey, publicKeyOf } from '#agent/core/signature.ts';
import { SigningEnv } from '#platform/signing-key.ts';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { COUNT_SDK_CALLS_ENV } from '#platform/call-counter.ts';
import { PlatformEnv } from '#platform/config.ts';
import { ExportsEnv } from '#exports/config.ts';
import { SecretPrefix } from '#platform/principal.ts';
import { hashSecret, newSecret } from '#platform/secrets.ts';
import { RegistryEnv } from '#registry/config.ts';
import { MatchingEnv } from '#matching/config.ts';
import { LogsEnv } from '#logs/config.ts';
import { NotificationsEnv } from '#notifications/config.ts';
import { busName, hostQueuePrefix, queueUrlEnvVar, resourceName, topology as defaultTopology, type Topology } from '../topology.ts';
import { startEventBridge } from './eventbridge/server.ts';
import { deleteQueues, deleteTables, ownDynamoDbLocal, ownSqsAndS3, useDynamoDbLocal, useSqsAndS3 } from './stand-ins.ts';
import { startGateway } from './gateway.ts';
import { consoleSite } from './console-site.ts';
import { invokeHandler } from './handlers.ts';
import { lambdaContext } from './lambda-context.ts';
import { startPoller } from './pollers.ts';
import { provision } from './provision.ts';
import { readQuietMark, resendSince, watchQueuesQuiet } from './quiet-mark.ts';
import { startSchedules } from './schedules.ts';
import { LOCAL_STAGE, RUNTIME_FILE } from './runtime-file.ts';

export interface LocalRuntimeOptions {
  /** Repository root, where `functions/` lives. */
  readonly root?: string;
  /** API port; 0 picks a free one. */
  readonly port?: number;
  /** Where DynamoDB Local keeps its files; ignored with `inMemory`. */
  readonly dataDir?: string;
  readonly inMemory?: boolean;
  readonly adminKey?: string;
  /** Extra environment for the functions, e.g. shorter liveness timings for tests. */
  readonly env?: Readonly<Record<string, string>>;
  /** Runs every schedule this often instead of its own period. */
  readonly scheduleEverySeconds?: number;
  /**
   * Runs the named schedules this often, the others at their own period (or
   * `scheduleEverySeconds`): a test speeds up the sweeps it waits on, not a weekly payout run.
   */
  readonly scheduleSeconds?: Readonly<Record<string, number>>;
  readonly topology?: Topology;
  /** Overrides the authorizer's 60 s identity cache, e.g. 0 to see a revocation at once. */
  readonly authorizerCacheSeconds?: number;
  readonly log?: (line: string) => void;
  /**
   * A DynamoDB Local started elsewhere, without `-sharedDb`, to use instead of starting one:
   * the runtime's tables live in the database of its own access key, so several runtimes
   * (test files) share one Java process without seeing each other. Their tables go on stop.
   * With `tablesStage`, that database holds the topology's tables already, empty and named for
   * that stage (a copy of the test run's template database): the runtime neither creates nor
   * deletes them, and has no host queues to recreate.
   */
  readonly dynamodb?: { readonly endpoint: string; readonly accessKeyId: string; readonly tablesStage?: string };
  /**
   * A fauxqs (SQS and S3) started elsewhere, to use instead of starting one. Its queues and
   * buckets are one namespace: give each runtime sharing it a `stage` of its own. The
   * runtime's queues go on stop.
   */
  readonly sqsS3?: { readonly endpoint: string };
  /** Names the runtime's queues, bus and bucket (`gpuhive-<stage>-...`); `local` unless given. */
  readonly stage?: string;
}

export interface LocalRuntime {
  readonly apiUrl: string;
  /** What the runtime's resource names carry (`resourceName(stage, ...)`). */
  readonly stage: string;
  readonly adminKey: string;
  /** The public half of the key install.sh and the agent bundle are signed with (PEM). */
  readonly signingPublicKey: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly s3: string; readonly eventBridge: string };
  /** What the stand-ins take (DynamoDB keeps a database per access key when not shared). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tableNames: Record<string, string>;
  readonly queueUrls: Record<string, string>;
  stop(): Promise<void>;
}

export { LOCAL_STAGE, RUNTIME_FILE };
const REGION = 'us-east-1';
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The admin key: given, or kept in the data dir so it survives restarts, or new. */
const resolveAdminKey = (options: LocalRuntimeOptions, dataDir: string | undefined): string => {
  if (options.adminKey) return options.adminKey;
  if (!dataDir) return newSecret(SecretPrefix.admin);
  const file = join(dataDir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = newSecret(SecretPrefix.admin);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
};

/** The platform's signing key (PEM): kept in the data dir like the admin key, or new for an in-memory runtime. */
const resolveSigningKey = (dataDir: string | undefined): string => {
  const file = dataDir ? join(dataDir, 'signing-key.pem') : undefined;
  if (file && existsSync(file)) return readFileSync(file, 'utf8');
  const { privateKeyPem, publicKeyPem } = newSigningKey();
  if (dataDir && file) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, privateKeyPem, { mode: 0o600 });
    chmodSync(file, 0o600);
    writeFileSync(join(dataDir, 'signing-key.pub.pem'), publicKeyPem);
  }
  return privateKeyPem;
};

/**
 * On Node 20 the AWS SDK prints an eight-line NodeVersionSupportWarning (its releases after
 * January 2027 need Node 22) at the first client of every process. The README already
 * recommends Node 22, so the runtime turns it off with the SDK's documented switch
 * (aws/aws-sdk-js-v3#7983), before its first client; a value the user set is kept.
 */
export const quietNodeVersionWarning = (): void => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
};

/**
 * Brings up the whole backend on one machine: DynamoDB Local, SQS and S3 (fauxqs), the
 * EventBridge shim, everything the topology declares, the API gateway, the queue pollers
 * and the schedules. Handlers run in this process and reach the stand-ins through the
 * ordinary AWS SDK clients, pointed at them by the SDK's own endpoint variables.
 */
export const startLocalRuntime = async (options: LocalRuntimeOptions = {}): Promise<LocalRuntime> => {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  quietNodeVersionWarning();
  // Before the first client: the stand-in's clients carry the call counter (`npm run cost`, the placement bench).
  process.env[COUNT_SDK_CALLS_ENV] = 'true';
  const root = resolve(options.root ?? process.cwd());
  const stage = options.stage ?? LOCAL_STAGE;
  const topology = options.topology ?? defaultTopology;
  const dataDir = options.inMemory ? undefined : resolve(root, options.dataDir ?? '.gpuhive');
  const stops: (() => Promise<void>)[] = [];
  // Taken out as it runs: a second stop (a signal during the first, a test's cleanup) finds nothing left to stop.
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne().catch((error: Error) => log(`while stopping: ${error.message}`));
  };

  // A new data dir has no events to send again: the first start skips the two days' look-back.
  const newDataDir = dataDir !== undefined && !existsSync(join(dataDir, 'dynamodb'));
  const credentials = options.dynamodb ? { ...localCredentials, accessKeyId: options.dynamodb.accessKeyId } : localCredentials;
  try {
    const dynamo = options.dynamodb ? await useDynamoDbLocal(options.dynamodb.endpoint, log) : await ownDynamoDbLocal(dataDir, log);
    stops.push(() => dynamo.stop());

    const sqsS3 = options.sqsS3 ? useSqsAndS3(options.sqsS3.endpoint, log) : await ownSqsAndS3(log);
    stops.push(() => sqsS3.stop());
    const sqs = new SQSClient({ endpoint: sqsS3.endpoint, region: REGION, credentials, useQueueUrlAsEndpoint: false });

    log('Starting the EventBridge shim...');
    // Its failures only (a delivery SQS refused, an internal error): a line per published event would drown the log.
    const eventBridge = await startEventBridge({
      port: 0, sqs, region: REGION,
      log: (message, data) => {
        if (message === 'eventbridge.delivery-failed' || message === 'eventbridge.internal-error') log(`EventBridge shim: ${message} ${JSON.stringify(data ?? {})}`);
      },
    });
    stops.push(() => eventBridge.stop());

    const adminKey = resolveAdminKey(options, dataDir);
    const signingKey = resolveSigningKey(dataDir);
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsS3.endpoint,
      AWS_ENDPOINT_URL_S3: sqsS3.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
      [PlatformEnv.stage]: stage,
      [PlatformEnv.eventBusName]: busName(stage),
      [PlatformEnv.adminKeySha256]: hashSecret(adminKey),
      [SigningEnv.keyPem]: signingKey,
      [RegistryEnv.hostQueuePrefix]: hostQueuePrefix(stage),
    });

    log('Creating tables, queues, the bus and its rules from the topology...');
    const clients = {
      dynamodb: new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials }),
      sqs,
      eventBridge: new EventBridgeClient({ endpoint: eventBridge.endpoint, region: REGION, credentials }),
      s3: new S3Client({ endpoint: sqsS3.endpoint, region: REGION, credentials, forcePathStyle: true }),
    };
    const tablesStage = options.dynamodb?.tablesStage;
    const provisioned = await provision(topology, stage, clients, tablesStage === undefined ? {} : { existingTablesStage: tablesStage });
    if (options.sqsS3) stops.push(() => deleteQueues(sqs, resourceName(stage, '')));
    if (options.dynamodb && tablesStage === undefined) stops.push(() => deleteTables(clients.dynamodb, Object.values(provisioned.tableNames)));
    for (const [name, table] of Object.entries(topology.tables)) process.env[table.envVar] = provisioned.tableNames[name];
    for (const queue of topology.queues) process.env[queueUrlEnvVar(queue.name)] = provisioned.queueUrls[queue.name];
    Object.assign(process.env, {
      [LogsEnv.bucketName]: provisioned.bucketName,
      // Local mode is for one machine: webhooks may go to a receiver on http://127.0.0.1 (tests run one).
      [NotificationsEnv.allowLoopbackHttp]: 'true',
      // Jobs land on unverified hosts unless they ask (AWS stages default to verified hosts only): docs/verification.md.
      [MatchingEnv.requireVerifiedHosts]: process.env[MatchingEnv.requireVerifiedHosts] ?? 'false',
    });
    process.env[ExportsEnv.bucketName] = provisioned.bucketName;
    Object.assign(process.env, options.env ?? {});

    if (tablesStage === undefined) {
      const hosts = await timed(recreateHostQueues);
      log(`Recreated ${hosts.result} host queue(s) from the host records (${hosts.seconds} s).`);
    }
    if (dataDir && !newDataDir) {
      const mark = readQuietMark(dataDir);
      const since = resendSince(mark, new Date());
      const resent = await timed(() => republishRecentEvents(root, topology, since));
      const which = mark ? `sent since the queues were last seen empty, ${mark.toISOString()}` : 'of the last 48 h (no record of empty queues)';
      log(`Sent ${resent.result.resent} event(s) again, those ${which}, and ${resent.result.pending} never sent (${resent.seconds} s).`);
    }
    if (dataDir) {
      // Registered before the pollers, so it stops after them and takes its last look at queues nobody consumes.
      const watch = watchQueuesQuiet({ sqs, queueUrls: Object.values(provisioned.queueUrls), dataDir, log });
      stops.push(() => watch.stop());
    }

    const pollers = topology.queues.map((queue) =>
      startPoller({ root, queue, queueUrl: provisioned.queueUrls[queue.name] ?? '', sqs, log }),
    );
    stops.push(async () => { await Promise.all(pollers.map((poller) => poller.stop())); });
    const unknown = Object.keys(options.scheduleSeconds ?? {}).filter((name) => !topology.schedules.some((schedule) => schedule.name === name));
    if (unknown.length > 0) throw new Error(`No such schedule in the topology: ${unknown.join(', ')}`);
    const schedules = startSchedules({
      root, schedules: topology.schedules, log,
      ...(options.scheduleEverySeconds ? { everySeconds: options.scheduleEverySeconds } : {}),
      ...(options.scheduleSeconds ? { periodSeconds: options.scheduleSeconds } : {}),
    });
    stops.push(() => schedules.stop());

    const gateway = await startGateway({
      root, topology, port: options.port ?? 0, log, site: consoleSite(),
      ...(options.authorizerCacheSeconds !== undefined ? { authorizerCacheSeconds: options.authorizerCacheSeconds } : {}),
    });
    stops.push(() => gateway.stop());
    // Operator tools (`npm run dlq`) find this runtime's stand-ins here; the ports change at every start.
    if (dataDir) writeFileSync(join(dataDir, RUNTIME_FILE), `${JSON.stringify({ apiUrl: gateway.url, endpoints: { dynamodb: dynamo.endpoint, sqs: sqsS3.endpoint, eventBridge: eventBridge.endpoint }, pid: process.pid })}\n`);
    return {
      apiUrl: gateway.url,
      stage,
      adminKey,
      signingPublicKey: publicKeyOf(signingKey),
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqsS3.endpoint, s3: sqsS3.endpoint, eventBridge: eventBridge.endpoint },
      credentials,
      tableNames: provisioned.tableNames,
      queueUrls: provisioned.queueUrls,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; seconds: string }> => {
  const started = performance.now();
  const result = await work();
  return { result, seconds: ((performance.now() - started) / 1000).toFixed(1) };
};

/** Host queues created at once: enough to keep fauxqs busy, few enough not to flood it. */
const QUEUE_CREATION_CONCURRENCY = 16;

/** In-memory SQS lost every host queue: rebuild them from the host records, several at a time. */
const recreateHostQueues = async (): Promise<number> => {
  const { makeRegistryDeps } = await import('#registry/adapters/deps.ts');
  const deps = await makeRegistryDeps();
  const hosts = await deps.store.listHostsWithQueues();
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) await deps.queues.create(hosts[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(QUEUE_CREATION_CONCURRENCY, hosts.length) }, worker));
  return hosts.length;
};

/** Lambda's longest timeout: the first start on an old data dir may resend two days of events on a busy machine. */
const RESEND_TIMEOUT_SECONDS = 900;

/**
 * In-memory queues also lost events in flight: the outbox sweep sends those sent since `since`
 * again, and those a killed runtime committed but never published (pending) at once, not 30 s on.
 */
const republishRecentEvents = async (root: string, topology: Topology, since: Date): Promise<{ resent: number; pending: number }> => {
  const sweep = topology.schedules.find((schedule) => schedule.capabilities?.includes('sweepOutboxes'));
  if (!sweep) return { resent: 0, pending: 0 };
  const input = { republishSentSince: since.toISOString(), pendingGraceSeconds: 0 };
  const result = (await invokeHandler(root, sweep, input, () => lambdaContext('sweep-outbox', RESEND_TIMEOUT_SECONDS))) as { resent?: number; pending?: number } | undefined;
  return { resent: result?.resent ?? 0, pending: result?.pending ?? 0 };
};
