// Over 300 lines on purpose: the one place where each kind of topology entry becomes its CDK
// resources, in deployment order; the reusable parts are in infra/constructs/.
import { CfnOutput, Duration, SecretValue, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { PlatformEnv } from '#platform/config.ts';
import { SigningEnv } from '#platform/signing-key.ts';
import { ExportsEnv } from '#exports/config.ts';
import { RegistryEnv } from '#registry/config.ts';
import { LOGS_PREFIX, LogsEnv } from '#logs/config.ts';
import { DEFAULT_LOG_SETTINGS } from '#logs/domain/log-chunks.ts';
import {
  busName,
  hostQueuePrefix,
  queueUrlEnvVar,
  queueResourceNames,
  resourceName,
  topology as realTopology,
  type FunctionDef,
  type Topology,
} from '#infra/topology.ts';
import { ConsoleSite } from '#infra/constructs/console-site.ts';
import { ContextTable } from '#infra/constructs/context-table.ts';
import { EventConsumer } from '#infra/constructs/event-consumer.ts';
import { GpuhiveApi } from '#infra/constructs/gpuhive-api.ts';
import { GpuhiveFunction, functionIdOf } from '#infra/constructs/gpuhive-function.ts';
import { HostQueueAccess } from '#infra/constructs/host-queue-access.ts';
import { acknowledgeWildcardResource } from '#infra/constructs/nag.ts';
import { Observability } from '#infra/constructs/observability.ts';
import { TableCapacity } from '#infra/constructs/table-capacity.ts';
import type { FunctionKind } from '#infra/constructs/sizing.ts';
import { scheduleMaxEventAgeMinutes, scheduleMinutes } from './schedule-rate.ts';
import { stageConfigFromContext, type Stage, type StageConfig } from './stage-config.ts';

export interface GpuhiveStackProps extends StackProps {
  readonly stage: Stage;
  /** The deployable shape; the real one by default, a fixture in tests. */
  readonly topology?: Topology;
}

/** Secrets Manager secret holding the PEM of the platform's Ed25519 signing key; created out of band, never in the template. */
export const signingKeySecretName = (stage: Stage): string => `gpuhive/${stage}/signing-key-pem`;

/** SSM parameter holding the hex SHA-256 of the bootstrap admin key; created out of band, never in the template. */
export const adminKeyParameterName = (stage: Stage): string => `/gpuhive/${stage}/admin-key-sha256`;

export { scheduleMinutes } from './schedule-rate.ts';

const pascal = (name: string): string =>
  name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/**
 * gpuhive on AWS, built entirely from the topology (infra/topology.ts): the local runtime is
 * built from the same object, so a route, queue, rule or schedule cannot exist in one target
 * and not the other.
 */
export class GpuhiveStack extends Stack {
  readonly config: StageConfig;
  readonly topology: Topology;
  readonly tables: ReadonlyMap<string, ContextTable>;
  readonly bus: EventBus;
  readonly api: GpuhiveApi;
  readonly hostQueues: HostQueueAccess;
  readonly agentQueueRole: Role | undefined;
  readonly consumers: ReadonlyMap<string, EventConsumer>;
  readonly exportsBucket: Bucket;
  readonly observability: Observability;
  readonly consoleSite: ConsoleSite;
  private readonly functions = new Map<FunctionDef, GpuhiveFunction>();

  constructor(scope: Construct, id: string, props: GpuhiveStackProps) {
    super(scope, id, props);
    this.config = stageConfigFromContext(props.stage, (key) => this.node.tryGetContext(key));
    this.topology = props.topology ?? realTopology;
    const { stage } = props;
    const topology = this.topology;

    this.tables = new Map(
      Object.entries(topology.tables).map(([name, def]) => [
        name,
        new ContextTable(this, `${pascal(name)}Table`, {
          tableName: resourceName(stage, name),
          def,
          stage: this.config,
          ...(this.config.provisionedCapacity[name] ? { capacity: this.config.provisionedCapacity[name] } : {}),
        }),
      ]),
    );

    const provisioned = [...this.tables].flatMap(([name, table]) => {
      const capacity = this.config.provisionedCapacity[name];
      return capacity ? [{ table, capacity }] : [];
    });
    if (provisioned.length > 0) new TableCapacity(this, 'TableCapacity', { tables: provisioned });

    this.bus = new EventBus(this, 'Bus', { eventBusName: busName(stage) });
    this.bus.archive('Archive', {
      description: `Every gpuhive event on ${busName(stage)}, for replay after a consumer bug`,
      eventPattern: { account: [this.account] },
      retention: this.config.eventArchiveRetention,
    });

    this.hostQueues = new HostQueueAccess(this, 'HostQueues', { queueNamePrefix: hostQueuePrefix(stage) });

    const defs: [FunctionDef, FunctionKind][] = [
      ...topology.routes.map((def) => [def, 'route'] as [FunctionDef, FunctionKind]),
      [topology.defaultRoute, 'route'],
      [topology.authorizer, 'authorizer'],
      ...topology.queues.map((def) => [def, 'consumer'] as [FunctionDef, FunctionKind]),
      ...topology.schedules.map((def) => [def, 'schedule'] as [FunctionDef, FunctionKind]),
    ];
    const entries = defs.map(([def]) => def.entry);
    const shared = entries.filter((entry, index) => entries.indexOf(entry) !== index);
    if (shared.length > 0) throw new Error(`One Lambda per handler: ${[...new Set(shared)].join(', ')} is declared more than once`);
    const unknownReservations = Object.keys(this.config.reservedConcurrency).filter((entry) => !entries.includes(entry));
    if (unknownReservations.length > 0) throw new Error(`Reserved concurrency names handlers the topology does not declare: ${unknownReservations.join(', ')}`);
    const unknownProvisioned = Object.keys(this.config.provisionedCapacity).filter((name) => !(name in topology.tables));
    if (unknownProvisioned.length > 0) throw new Error(`Provisioned capacity names tables the topology does not declare: ${unknownProvisioned.join(', ')}`);
    const unknownUntraced = this.config.passThroughTracing.filter((entry) => !entries.includes(entry));
    if (unknownUntraced.length > 0) throw new Error(`Pass-through tracing names handlers the topology does not declare: ${unknownUntraced.join(', ')}`);
    for (const [def, kind] of defs) this.functions.set(def, this.buildFunction(def, kind));

    this.agentQueueRole = this.wireHostQueues();
    this.wireAdminKey(topology.authorizer);
    this.wireSigningKey();

    this.api = new GpuhiveApi(this, 'Api', {
      apiName: busName(stage),
      stage: this.config,
      routes: topology.routes.map((def) => ({ def, fn: this.functionOf(def) })),
      defaultRoute: this.functionOf(topology.defaultRoute),
      authorizer: { fn: this.functionOf(topology.authorizer), cacheSeconds: topology.authorizer.cacheSeconds },
    });

    this.consumers = this.buildConsumers();
    this.buildSchedules();
    this.exportsBucket = this.buildExportsBucket();
    this.wireJobLogs();
    this.consoleSite = new ConsoleSite(this, 'Console', { apiUrl: this.api.url, removalPolicy: this.config.removalPolicy });
    this.wireQueueSenders();
    this.wireExportsBucket();

    this.observability = new Observability(this, 'Observability', {
      stage: this.config,
      dashboardName: resourceName(stage, 'operations'),
      alarmNamePrefix: resourceName(stage, ''),
      api: this.api.api,
      functions: this.allFunctions,
      consumers: [...this.consumers.values()],
      tables: [...this.tables.values()],
      sharedQueueNames: topology.queues.flatMap((def) => Object.values(queueResourceNames(stage, def))),
    });
    // Last, so that it reaches every alarm built above.
    this.observability.notifyFromAllAlarms(this);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the public HTTP API' });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.consoleSite.distribution.distributionDomainName}/`,
      description: 'The web console; the API is also served here under /v1',
    });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'ExportsBucketName', { value: this.exportsBucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn, description: 'Subscribe here to receive every alarm' });
    new CfnOutput(this, 'DashboardName', { value: resourceName(stage, 'operations') });
  }

  /** The Lambda built for a definition of the topology. */
  functionOf(def: FunctionDef): GpuhiveFunction {
    const fn = this.functions.get(def);
    if (!fn) throw new Error(`No function was built for ${def.entry}`);
    return fn;
  }

  get allFunctions(): readonly GpuhiveFunction[] {
    return [...this.functions.values()];
  }

  private tableOf(name: string, usedBy: string): ContextTable {
    const table = this.tables.get(name);
    if (!table) throw new Error(`${usedBy} uses table '${name}', which the topology does not declare`);
    return table;
  }

  /** A function, its tables' names in its environment, and IAM for exactly what its definition declares. */
  private readonly logGroups = new Map<string, LogGroup>();

  /** One log group per context, with the stage's retention (see GpuhiveFunctionProps.logGroup). */
  private logGroupOf(context: string): LogGroup {
    let group = this.logGroups.get(context);
    if (!group) {
      group = new LogGroup(this, `${pascal(context)}Logs`, { retention: this.config.logRetention, removalPolicy: this.config.removalPolicy });
      this.logGroups.set(context, group);
    }
    return group;
  }

  private buildFunction(def: FunctionDef, kind: FunctionKind): GpuhiveFunction {
    const capabilities = new Set(def.capabilities ?? []);
    const own = [...this.tables.values()].filter((table) => table.def.context === def.context);
    const reads = (def.reads ?? []).map((name) => this.tableOf(name, def.entry));
    const outboxes = capabilities.has('sweepOutboxes') ? this.topology.outboxTables.map((name) => this.tableOf(name, def.entry)) : [];
    const readWrite = [...new Set([...own, ...outboxes])];
    const readOnly = reads.filter((table) => !readWrite.includes(table));

    const environment: Record<string, string> = { [PlatformEnv.eventBusName]: this.bus.eventBusName };
    for (const table of [...readWrite, ...readOnly]) environment[table.def.envVar] = table.tableName;

    const fn = new GpuhiveFunction(this, functionIdOf(def.entry), { def, kind, stage: this.config, environment, logGroup: this.logGroupOf(def.context) });
    for (const table of readWrite) table.grantItemsReadWrite(fn);
    for (const table of readOnly) table.grantItemsRead(fn);
    // A context with a table publishes through its transactional outbox; the sweep republishes for all.
    if (own.length > 0 || outboxes.length > 0) this.bus.grantPutEventsTo(fn);
    return fn;
  }

  /**
   * Registry functions all learn the host-queue prefix and the agent role's ARN (the registry's
   * config reads both at cold start); only `manageHostQueues` and `pollHostQueues` may touch the queues,
   * and only `vendAgentQueueCredentials` may assume the role.
   */
  private wireHostQueues(): Role | undefined {
    const fns = this.allFunctions;
    const has = (fn: GpuhiveFunction, capability: string) => (fn.def.capabilities ?? []).some((c) => c === capability);
    for (const fn of fns.filter((f) => has(f, 'manageHostQueues'))) this.hostQueues.grantManage(fn);
    for (const fn of fns.filter((f) => has(f, 'pollHostQueues'))) this.hostQueues.grantPoll(fn);
    for (const fn of fns.filter((f) => has(f, 'sendToHostQueues'))) this.hostQueues.grantSend(fn);

    const vendors = fns.filter((f) => has(f, 'vendAgentQueueCredentials'));
    const role = vendors.length > 0 ? this.hostQueues.createAgentQueueRole(vendors) : undefined;
    for (const fn of fns.filter((f) => f.def.context === 'registry' || has(f, 'manageHostQueues') || has(f, 'pollHostQueues') || has(f, 'sendToHostQueues') || has(f, 'vendAgentQueueCredentials'))) {
      fn.addEnvironment(RegistryEnv.hostQueuePrefix, this.hostQueues.queueNamePrefix);
      if (role) fn.addEnvironment(RegistryEnv.agentQueueRoleArn, role.roleArn);
    }
    return role;
  }

  /** The bootstrap admin key's hash, resolved by CloudFormation from SSM at deploy time. */
  private wireAdminKey(authorizer: Topology['authorizer']): void {
    const hash = StringParameter.valueForStringParameter(this, adminKeyParameterName(this.config.stage));
    this.functionOf(authorizer).addEnvironment(PlatformEnv.adminKeySha256, hash);
    // API Gateway caches no identity (a request without Authorization must reach the handlers
    // for the API's own 401): the authorizer function remembers identities for the same time.
    this.functionOf(authorizer).addEnvironment(PlatformEnv.authorizerCacheSeconds, String(authorizer.cacheSeconds));
  }

  /**
   * The Ed25519 key that signs install.sh and the agent bundle: a Secrets Manager secret made
   * out of band before the first deploy (like the admin key's hash), resolved by CloudFormation
   * into the two serving functions' environment, so the template never holds it.
   */
  private wireSigningKey(): void {
    const key = SecretValue.secretsManager(signingKeySecretName(this.config.stage)).unsafeUnwrap();
    for (const fn of this.allFunctions.filter((f) => (f.def.capabilities ?? []).includes('signDownloads'))) fn.addEnvironment(SigningEnv.keyPem, key);
  }

  private buildConsumers(): ReadonlyMap<string, EventConsumer> {
    const { stage } = this.config;
    const consumers = new Map<string, EventConsumer>();
    for (const def of this.topology.queues) {
      if (def.name.startsWith('host-')) throw new Error(`Queue '${def.name}' would fall under the host queues' IAM prefix`);
      consumers.set(
        def.name,
        new EventConsumer(this, `${pascal(def.name)}Consumer`, {
          def,
          fn: this.functionOf(def),
          bus: this.bus,
          queueName: queueResourceNames(stage, def).name,
          deadLetterQueueName: queueResourceNames(stage, def).deadLetterName,
          oldestMessageAlarmAge: this.config.oldestMessageAlarmAge,
          alarmNamePrefix: resourceName(stage, def.name),
        }),
      );
    }
    for (const rule of this.topology.rules) {
      const consumer = consumers.get(rule.queue);
      if (!consumer) throw new Error(`Rule '${rule.name}' routes to queue '${rule.queue}', which the topology does not declare`);
      consumer.subscribe(`${pascal(rule.name)}Rule`, rule, resourceName(stage, rule.name));
    }
    return consumers;
  }

  /**
   * Sweeps on the default bus's clock, each rule named after its schedule as the local runtime
   * names it. A missed tick is harmless: the next one does the same work.
   */
  private buildSchedules(): void {
    for (const def of this.topology.schedules) {
      const minutes = scheduleMinutes(def.everySeconds);
      new Rule(this, `${pascal(def.name)}Schedule`, {
        ruleName: resourceName(this.config.stage, def.name),
        description: `${def.name}: every ${minutes} min`,
        schedule: Schedule.rate(Duration.minutes(minutes)),
        targets: [new LambdaFunction(this.functionOf(def), { retryAttempts: 2, maxEventAge: Duration.minutes(scheduleMaxEventAgeMinutes(minutes)) })],
      });
    }
  }

  /**
   * The logs context owns the `logs/` prefix of the shared bucket: functions with `jobLogObjects`
   * learn the bucket's name and may put and get objects under that prefix only. Log objects
   * expire with the DynamoDB index items that point at them.
   */
  private wireJobLogs(): void {
    const objects = this.exportsBucket.arnForObjects(`${LOGS_PREFIX}*`);
    this.exportsBucket.addLifecycleRule({ id: 'expire-job-logs', prefix: LOGS_PREFIX, expiration: Duration.days(DEFAULT_LOG_SETTINGS.retentionDays) });
    for (const fn of this.allFunctions.filter((f) => (f.def.capabilities ?? []).includes('jobLogObjects'))) {
      fn.addEnvironment(LogsEnv.bucketName, this.exportsBucket.bucketName);
      fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [objects] }));
      acknowledgeWildcardResource(
        fn.executionRole,
        objects,
        'Log chunks are objects under the logs/ prefix, one key per job, assignment and batch, unknown in advance; the grant is limited to that prefix.',
      );
    }
  }

  /** A function that `sendsTo` a topology queue may send to it (and nothing else) and learns its URL. */
  private wireQueueSenders(): void {
    for (const fn of this.allFunctions) {
      for (const name of fn.def.sendsTo ?? []) {
        const consumer = this.consumers.get(name);
        if (!consumer) throw new Error(`${fn.def.entry} sends to queue '${name}', which the topology does not declare`);
        consumer.queue.grantSendMessages(fn);
        fn.addEnvironment(queueUrlEnvVar(name), consumer.queue.queueUrl);
      }
    }
  }

  /**
   * The exports context owns the bucket's `exports/` prefix (ARCHITECTURE.md): each of its
   * functions learns the bucket's name and may read files there (a presigned URL is only as
   * good as its signer's `GetObject`); only its queue consumer, the runner, may write them.
   */
  private wireExportsBucket(): void {
    const files = this.exportsBucket.arnForObjects('exports/*');
    const consumers = new Set(this.topology.queues.map((def) => def.entry));
    for (const fn of this.allFunctions.filter((f) => f.def.context === 'exports')) {
      fn.addEnvironment(ExportsEnv.bucketName, this.exportsBucket.bucketName);
      const writes = consumers.has(fn.def.entry);
      fn.addToRolePolicy(new PolicyStatement({ actions: writes ? ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'] : ['s3:GetObject'], resources: [files] }));
      acknowledgeWildcardResource(fn.executionRole, files, 'Export files are named per export and per day at run time; the exports/ prefix is the narrowest name IAM can know in advance.');
    }
  }

  /**
   * Finance exports (CSV / JSON Lines); read through presigned URLs that the API issues. An
   * export can always be made again from the ledger, so files expire; versions guard against an
   * overwrite for a while; half-finished multipart uploads are cleaned up after a day.
   */
  private buildExportsBucket(): Bucket {
    const bucket = new Bucket(this, 'ExportsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: this.config.removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-exports',
          // Only the exports context's files: job logs under logs/ keep their own rule.
          prefix: 'exports/',
          expiration: this.config.exportsExpiration,
          noncurrentVersionExpiration: this.config.exportsNoncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Objects are written by the export functions and read only through short-lived presigned URLs the API issues (and logs); a second bucket for server access logs would add cost and no new audit trail.',
    });
    return bucket;
  }
}
