import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.ts';
import { RUN_TMPDIR_PREFIX } from './test/support/run-tmpdir-setup.ts';

/** Where tests of pure code live: no runtime, no processes, no Docker. */
const UNIT_DIRS = ['test/unit', 'test/infra', 'test/contract'];

/**
 * What makes a file unfit to share its worker's modules with other files: module mocks,
 * a stubbed or written environment (reading it is harmless), fake timers, spies on shared
 * modules, SDK client mocks, a handler imported through its env, child processes, a runtime
 * or a server of its own, or the shared worker's between-files reset run by the file itself.
 */
const NEEDS_ISOLATION =
  /vi\.(mock|doMock|stubEnv|stubGlobal|useFakeTimers|spyOn)|process\.env(\.\w+|\[[^\]]+\])?\s*=[^=]|delete process\.env|Object\.assign\(process\.env|mockClient|process\.chdir|handler-import|startTestRuntime|startLocalRuntime|spawn|execFile|listen\(|resetForNextFile/;

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

/**
 * The other unit test files: each needs modules, mocks, globals or timers of its own, but none
 * needs a process of its own. They run in VM contexts (pool `vmForks`), a fresh context per
 * file in a worker process that lives on: 36 files took 29 CPU s (19 s) instead of 46 (27 s)
 * with a process each (2026-12-06).
 */
const unitIsolated = UNIT_DIRS.flatMap(testFiles).filter((file) => !shareable.includes(file));

/**
 * Helpers whose side effects a file's reset undoes: the harness every runtime file uses (it reads and
 * sets the environment by design), and the webhook receiver, whose server the per-file check finds
 * and stops like a runtime (test/support/live-things.ts).
 */
const RESET_SAFE_HELPERS = new Set(['test/support/local-runtime.ts', 'test/support/webhook-receiver.ts']);

/** The test helpers a file imports (`#test/...` or relative), and theirs, the reset-safe ones left out. */
const helpersOf = (file: string, seen = new Set<string>()): Set<string> => {
  for (const [, spec = ''] of readFileSync(file, 'utf8').matchAll(/from '(#test\/[^']+|\.\.?\/[^']+)'/g)) {
    const path = spec.startsWith('#test/') ? join('test', spec.slice('#test/'.length)) : relative('.', resolve(dirname(file), spec));
    if (RESET_SAFE_HELPERS.has(path) || seen.has(path)) continue;
    seen.add(path);
    helpersOf(path, seen);
  }
  return seen;
};

/**
 * Integration files that do nothing a per-file reset cannot undo: they start in-memory
 * runtimes (`startTestRuntime`) and call them, and neither they nor their helpers do anything
 * else on the isolation list (no child processes, servers of their own but the webhook receiver,
 * mocks, stubs or environment writes). They share their workers' node_modules one file after
 * another; each file gets fresh modules of our own, the worker's environment and a check that it
 * stopped its runtimes and receivers (test/support/runtime-file-setup.ts). Anything else on the list keeps a file isolated,
 * comments included: the word "spawn" in a helper's comment once kept 18 of 33 files isolated.
 */
const runtimeOnly = testFiles('test/integration').filter((file) => {
  const uses = new Set([file, ...helpersOf(file)].flatMap((path) => [...readFileSync(path, 'utf8').matchAll(new RegExp(NEEDS_ISOLATION, 'g'))].map(([match]) => match)));
  return uses.size === 1 && uses.has('startTestRuntime');
});

/** The run's temporary folder, removed when it ends (test/support/run-tmpdir-setup.ts). */
const RUN_TMPDIR = join(tmpdir(), `${RUN_TMPDIR_PREFIX}${process.pid}`);
const RUN_TMPDIR_SETUP = 'test/support/run-tmpdir-setup.ts';

const shared = {
  env: {
    // Where os.tmpdir() points in the workers and in every process a test starts.
    TMPDIR: RUN_TMPDIR,
    // Functions' JSON logs are for people running the system; tests show only warnings.
    POWERTOOLS_LOG_LEVEL: 'WARN',
    // The JVM's own setting, for the DynamoDB Local a test starts itself (`npm start` in the e2e tests): Java's quick
    // compiler only, about 40 % less CPU to a first answer (4.1 s against 2.4 s measured here). Not for the run's shared
    // DynamoDB Local, started by the global setup outside the workers: it runs long enough for both compilers to pay.
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
 * more than they wait. `--maxWorkers N` on the command line still decides (`npm test` gives its unit lane 1: test/run-suite.ts).
 */
const WORKERS = 2;

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    sequence: { sequencer: LongestFirstSequencer },
    // Transformed sources kept on disk between runs (keyed by content; node_modules/.experimental-vitest-cache):
    // a second `npm test` skips transforming every module again in vitest's own process.
    experimental: { fsModuleCache: true },
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: shareable,
          globalSetup: [RUN_TMPDIR_SETUP],
          // Forks, not threads: CDK's bundling hands the worker's stdio to esbuild, which a thread cannot give.
          pool: 'forks',
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'runtime',
          include: runtimeOnly,
          globalSetup: [RUN_TMPDIR_SETUP, 'test/support/global-setup.ts'],
          setupFiles: ['test/support/runtime-file-setup.ts', 'test/support/runtime-log-setup.ts'],
          pool: 'forks',
          isolate: false,
        },
      },
      {
        test: {
          ...shared,
          name: 'unit-isolated',
          include: unitIsolated,
          globalSetup: [RUN_TMPDIR_SETUP],
          // Forks, as above; the environment is the one thing the files share (test/support/vm-file-setup.ts).
          pool: 'vmForks',
          setupFiles: ['test/support/vm-file-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'isolated',
          include: ['test/**/*.test.ts'],
          exclude: [...shareable, ...unitIsolated, ...runtimeOnly],
          // One DynamoDB Local (and one fauxqs) for the vitest run (a lane of `npm test`), shared by every file's in-memory runtime; one agent bundle.
          globalSetup: [RUN_TMPDIR_SETUP, 'test/support/global-setup.ts', 'test/support/agent-bundle-setup.ts'],
          setupFiles: ['test/support/runtime-log-setup.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
