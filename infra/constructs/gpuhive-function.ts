import { Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { PlatformEnv } from '#platform/config.ts';
import type { FunctionDef } from '#infra/topology.ts';
import type { StageConfig } from '#infra/stacks/stage-config.ts';
import { sizingOf, type FunctionKind, type FunctionSizing } from './sizing.ts';

/** The repository root: the topology's entry paths are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * ESM bundles have no `require`; a few CommonJS dependencies call it for Node built-ins.
 * The alias keeps the banner from clashing with a `createRequire` import in bundled code.
 */
const REQUIRE_SHIM =
  "import { createRequire as gpuhiveCreateRequire } from 'node:module'; const require = gpuhiveCreateRequire(import.meta.url);";

/** Writes the agent's single-file bundle next to the handler (GET /agent/gpuhive-agent.mjs reads it there). */
export const agentBundleHooks = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (inputDir: string, outputDir: string): string[] => [
    `node "${path.join(inputDir, 'node_modules', 'tsx', 'dist', 'cli.mjs')}" "${path.join(inputDir, 'agent', 'bundle.ts')}" "${path.join(outputDir, 'gpuhive-agent.mjs')}"`,
  ],
};

/** Writes the renter CLI's single-file bundle next to the handler (GET /cli/gpuhive.mjs reads it there). */
export const cliBundleHooks = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (inputDir: string, outputDir: string): string[] => [
    `node "${path.join(inputDir, 'node_modules', 'tsx', 'dist', 'cli.mjs')}" "${path.join(inputDir, 'cli', 'bundle.ts')}" "${path.join(outputDir, 'gpuhive.mjs')}"`,
  ],
};

/** Copies the job templates beside the handler (YamlTemplateCatalogue reads them there). */
export const templatesHooks = {
  beforeBundling: (): string[] => [],
  beforeInstall: (): string[] => [],
  afterBundling: (inputDir: string, outputDir: string): string[] => [`cp -r "${path.join(inputDir, 'templates')}" "${path.join(outputDir, 'templates')}"`],
};

export interface GpuhiveFunctionProps {
  readonly def: FunctionDef;
  /** What calls it: sets the memory and timeout the topology leaves unsaid (sizing.ts). */
  readonly kind: FunctionKind;
  readonly stage: StageConfig;
  /** Added to the variables every function gets (bus, stage, service name, log level). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Its context's log group (one per context, with the stage's retention): a group per function
   * would cost a resource each, and CloudFormation allows 500 a stack. Each line still names its
   * function (Powertools' `function_name`).
   */
  readonly logGroup: LogGroup;
}

/** `functions/registry/sweep-liveness.ts` -> `RegistrySweepLiveness`: one Lambda per handler file. */
export const functionIdOf = (entry: string): string =>
  entry
    .replace(/^functions\//, '')
    .replace(/\.[cm]?[jt]sx?$/, '')
    .split(/[/_.-]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/**
 * One Lambda per handler, built the same way everywhere: arm64, Node.js 22, ESM bundle with
 * source maps, active tracing (pass-through where the stage says), memory and timeout sized per
 * function, reserved concurrency only where the deployer opted in, its context's log group with a
 * retention, and its own role that can
 * write only to that log group until the stack grants it more.
 */
export class GpuhiveFunction extends NodejsFunction {
  readonly def: FunctionDef;
  readonly kind: FunctionKind;
  readonly sizing: FunctionSizing;
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: GpuhiveFunctionProps) {
    const { def, stage } = props;
    const sizing = sizingOf(def, props.kind);
    const reserved = stage.reservedConcurrency[def.entry];
    const { logGroup } = props;
    // A subclass cannot own children before super(); the role sits beside it.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${def.entry}`,
    });
    super(scope, id, {
      entry: path.join(REPO_ROOT, def.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: sizing.memoryMb,
      timeout: Duration.seconds(sizing.timeoutSeconds),
      ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
      tracing: stage.passThroughTracing.includes(def.entry) ? Tracing.PASS_THROUGH : Tracing.ACTIVE,
      role,
      logGroup,
      // JSON lets Lambda filter by level: its own lines per the stage, the functions' at their log level.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[stage.logLevel],
      systemLogLevelV2: SystemLogLevel[stage.lambdaSystemLogLevel],
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: def.context,
        [PlatformEnv.logLevel]: stage.logLevel,
        [PlatformEnv.stage]: stage.stage,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK versions are pinned in package.json; bundle them rather than take the runtime's.
        bundleAwsSDK: true,
        tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
        ...(def.bundlesAgent ? { commandHooks: agentBundleHooks } : {}),
        ...(def.bundlesCli ? { commandHooks: cliBundleHooks } : {}),
        ...(def.bundlesTemplates ? { commandHooks: templatesHooks } : {}),
      },
    });
    this.def = def;
    this.kind = props.kind;
    this.sizing = sizing;
    this.executionRole = role;
    // Its context's log group exists already: no logs:CreateLogGroup and no managed policy.
    logGroup.grantWrite(role);

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned on purpose: the code also runs locally on Node 20+ (EMULATORS.md, gotcha 8) and is tested on 22; moving to 24 is a deliberate upgrade, not a drift.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
}
