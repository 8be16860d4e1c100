import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Where tests of pure code live: no runtime, no processes, no Docker. */
const UNIT_DIRS = ['test/unit', 'test/infra', 'test/contract'];

/**
 * What makes a file unfit to share its worker's modules with other files: module mocks,
 * a stubbed environment or global, fake timers, spies on shared modules, SDK client mocks,
 * a handler imported through its env, child processes, a runtime or a server of its own.
 */
const NEEDS_ISOLATION = /vi\.(mock|doMock|stubEnv|stubGlobal|useFakeTimers|spyOn)|process\.env|mockClient|process\.chdir|handler-import|startTestRuntime|startLocalRuntime|spawn|execFile|listen\(/;

const testFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join(dir, file));

/**
 * Unit test files that can run one after another in a shared worker without per-file
 * isolation: they re-import nothing, so the SDK, CDK and zod are loaded once per worker
 * instead of once per file. Decided by reading each file, so a new test lands on the
 * safe side (isolated) as soon as it mocks or stubs anything.
 */
const shareable = UNIT_DIRS.flatMap(testFiles).filter((file) => !NEEDS_ISOLATION.test(readFileSync(file, 'utf8')));

const shared = {
  env: {
    // Functions' JSON logs are for people running the system; tests show only warnings.
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // The JVM's own setting, for the DynamoDB Local a test starts itself (`npm start` in the e2e tests): Java's quick
    // compiler only, about 40 % less CPU to a first answer (4.1 s against 2.4 s measured here). The run's shared
    // DynamoDB Local, started by the global setup outside the workers, keeps both compilers for its long run.
    JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1',
  },
  execArgv: ['--disable-warning=NodeVersionSupportWarning'],
  // Integration tests start Java and local services, CDK tests synthesize whole stacks: give them room on 2-core
  // machines (a runtime's start took over 60 s with the machine at a load of 38).
  testTimeout: 30_000,
  hookTimeout: 120_000,
};

/**
 * Test files at once: 2. Four were tried (most isolated files wait rather than compute): the
 * suite took 702-715 s instead of about 784 s, but files that share this machine's iptables
 * chains, Docker and ports began to fail against each other (two agents' firewalls, a service's
 * endpoint set flapping under the load). Three, tried again once each file's agents had their own
 * networks and chains: all passed, but in 612 s against 583 s with two, since the files now compute
 * more than they wait. `--maxWorkers N` on the command line still decides.
 */
const WORKERS = 2;

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    // Transformed sources kept on disk between runs (keyed by content; node_modules/.experimental-vitest-cache):
    // a second `npm test` skips transforming every module again in vitest's own process.
    experimental: { fsModuleCache: true },
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: shareable,
          // Forks, not threads: CDK's bundling hands the worker's stdio to esbuild, which a thread cannot give.
          pool: 'forks',
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: shareable,
          // One DynamoDB Local (and one fauxqs) for the run, shared by every file's in-memory runtime.
          globalSetup: ['test/support/global-setup.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
