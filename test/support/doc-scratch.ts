import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeCliBundle } from '#cli/bundle.ts';
import { startDocRuntime, type DocRuntime } from './doc-runtime.ts';

/**
 * Where a test runs the shell blocks of the docs (test/support/doc-blocks.ts) as a reader
 * would in a clone with `npm start` running: a scratch "clone" (the repository's files linked
 * into a temporary directory), so `npm run ...` and `npx gpuhive` work as in a clone while the
 * files the examples write, the backend's data dir and the CLI's and agent's state stay out of
 * the repository and out of other scratches' way. `HOME` is a scratch directory too. The
 * backend is `npm start`'s, on the test run's DynamoDB Local (test/support/doc-runtime.ts).
 *
 * On PATH: `gpuhive` is the CLI's single-file bundle, as an installed package puts it there;
 * `gpuhive-agent` is what the agent installer writes into its prefix (install.sh in
 * docs/agent-guide.md), the agent's bundle. `npx gpuhive` and `npx gpuhive-agent` run the
 * sources through tsx, as in a clone.
 */
export interface DocScratch {
  /** The scratch clone: the shells' working directory. */
  readonly dir: string;
  /** The shells' environment: `API`, `ADMIN_KEY`, `HOME`, the agent installer's dirs, PATH. */
  readonly env: NodeJS.ProcessEnv;
  readonly runtime: DocRuntime;
  stop(): Promise<void>;
}

const root = resolve('.');

/** The renter CLI's bundle, built once per test process. */
let cliBundle: Promise<string> | undefined;
const buildCliBundle = () => {
  cliBundle ??= (async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpuhive-docs-bin-')), 'gpuhive.mjs');
    await writeCliBundle(file);
    return file;
  })();
  return cliBundle;
};

/** Removes the CLI bundle's directory, once no scratch needs it (the file's afterAll). */
export const removeCliBundle = async (): Promise<void> => {
  if (cliBundle) rmSync(dirname(await cliBundle), { recursive: true, force: true });
};

export const startDocScratch = async (): Promise<DocScratch> => {
  const dir = mkdtempSync(join(tmpdir(), 'gpuhive-docs-'));
  for (const entry of readdirSync(root)) {
    if (entry === '.git' || entry === '.gpuhive') continue;
    symlinkSync(join(root, entry), join(dir, entry));
  }
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const commands = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  if (!commands.gpuhive) throw new Error('package.json names no gpuhive bin');
  symlinkSync(await buildCliBundle(), join(bin, 'gpuhive'));
  const home = join(dir, '.home');
  mkdirSync(home);
  const agentPrefix = join(home, 'gpuhive-agent');
  const agentState = join(home, '.gpuhive-agent');
  // The CLI's settings come from the docs' commands (login, exports), not from whoever runs the test.
  const { GPUHIVE_API, GPUHIVE_API_KEY, GPUHIVE_CONFIG, XDG_CONFIG_HOME, ...inherited } = process.env;

  // Offers show a new host half a second after its heartbeat rather than 5 s (an operator's setting, as in the console's tests).
  const runtime = await startDocRuntime(join(dir, '.gpuhive'), { ...inherited, CAPACITY_CACHE_SECONDS: '0.5' }).catch((error: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    API: runtime.apiUrl,
    ADMIN_KEY: runtime.adminKey,
    HOME: home,
    // npm passes its cache to the scripts it runs (npm_config_cache): without this, each scratch's `npx gpuhive-agent`
    // left an entry in the user's npx cache for a path that no longer exists.
    npm_config_cache: join(home, '.npm'),
    // Where the installer puts the agent and its state (as root it would use /opt and /var/lib).
    GPUHIVE_PREFIX: agentPrefix,
    GPUHIVE_STATE_DIR: agentState,
    GPUHIVE_AGENT_STATE_DIR: agentState,
    PATH: [bin, agentPrefix, process.env.PATH ?? ''].join(':'),
    // The docs' agents skip host verification, as every agent test but verification.test.ts does: on simulated GPUs
    // each new host's first run is a second or more of CPU per GPU, and no document here runs or shows one.
    GPUHIVE_VERIFY_BACKEND: 'none',
  };
  return {
    dir,
    env,
    runtime,
    stop: async () => {
      await runtime.stop();
      rmSync(dir, { recursive: true, force: true });
      const left = npxEntriesNaming(dir);
      if (left.length > 0) throw new Error(`the docs' commands left entries for ${dir} in the user's npx cache: ${left.join(', ')}`);
    },
  };
};

/** The user's npx cache entries (npm's `_npx` folders) that install a package from under `dir`. */
const npxEntriesNaming = (dir: string): string[] => {
  const npx = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx');
  if (!existsSync(npx)) return [];
  return readdirSync(npx).filter((entry) => {
    const manifest = join(npx, entry, 'package.json');
    return existsSync(manifest) && readFileSync(manifest, 'utf8').includes(dir);
  });
};
