import { build, type Plugin } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./src/entry.ts', import.meta.url));

/**
 * Node's built-in modules through `require`, not `import`, and only the names each file imports.
 * Importing a built-in as ESM builds its namespace from every export, which runs the lazy
 * getters: on Node 22 `node:http`'s `WebSocket` getter loads undici (~12 MB of RSS in an idle
 * agent), and on both `node:crypto`'s `webcrypto` loads Web Crypto. A CommonJS shim
 * (`module.exports = require(...)`) is not enough either: esbuild's interop walks the module's
 * property descriptors, and on Node 22 that loads every lazy part of `node:util` (worker_threads,
 * the diff and colour helpers: ~1 MB). So each importing file gets its own small ES module
 * that reads from `require(...)` exactly the names that file imports.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(plugin) {
    plugin.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'builtin' ? { path: args.path, external: true } : { path: `${args.path}|${args.importer}`, namespace: 'builtin' },
    );
    plugin.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const [builtin, importer] = args.path.split('|') as [string, string];
      return { contents: builtinShim(builtin, readFileSync(importer, 'utf8')), loader: 'js', resolveDir: dirname(importer) };
    });
  },
};

/** The ES module standing in for `builtin` in a file with `source`: `export const name = m.name` per imported value. */
export const builtinShim = (builtin: string, source: string): string => {
  const quoted = builtin.replace(/[/]/g, '\\/');
  const clauses = [...source.matchAll(new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s*from\\s*["']${quoted}["']`, 'g'))]
    .filter((match) => !match[1])
    .flatMap((match) => match[2]!.split(','));
  const names = [...new Set(clauses.map((clause) => clause.trim()).filter((clause) => clause && !clause.startsWith('type ')).map((clause) => clause.split(/\s+as\s+/)[0]!))];
  const other = new RegExp(`import\\s+(?!type\\b)[^{'"]*from\\s*["']${quoted}["']`).test(source);
  // A namespace or default import (a dependency's file the bundle then drops, e.g. the SDK's zlib CRC32) keeps the whole module.
  if (other) return `module.exports = require(${JSON.stringify(builtin)});\n`;
  return `const m = require(${JSON.stringify(builtin)});\n${names.map((name) => `export const ${name} = m.${name};`).join('\n')}\n`;
};

/**
 * First in the bundle: the `require` the built-ins load through, and V8's lite mode (no
 * optimizing compiler, lazier feedback and source positions). The agent's JavaScript is a
 * heartbeat a minute and a poll every 20 s; the optimizing compiler's code and data cost an
 * idle agent ~5 MB of RSS and buy it nothing measurable (pick-up p50 and idle CPU stay within
 * the bench's run-to-run spread; docs/operations-footprint.md). Set here rather than on the command line so every way of starting the
 * agent (systemd, by hand, `node gpuhive-agent.mjs`) gets it; Node allows setting V8 flags
 * at run time, and the few functions compiled before this line keep their code.
 */
const BANNER =
  "import { createRequire as gpuhiveCreateRequire } from 'node:module'; const require = gpuhiveCreateRequire(import.meta.url); " +
  "require('node:v8').setFlagsFromString('--lite-mode');";

const build_ = (metafile: boolean) =>
  build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The ESM builds of the SDK's signer packages: esbuild drops what the agent does not call (~140 KB -> ~14 KB).
    mainFields: ['module', 'main'],
    minify: true,
    plugins: [builtinsThroughRequire],
    write: false,
    metafile,
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: `#!/usr/bin/env node\n${BANNER}` },
  });

/**
 * The agent as one ESM file that needs only Node.js 20+ (the AWS SDK's SigV4 signer bundled
 * in): what `GET /agent/gpuhive-agent.mjs` serves and install.sh downloads.
 */
export const bundleAgent = async (): Promise<string> => (await build_(false)).outputFiles[0]!.text;

/** The source files the bundle is made of (relative to the repository), for tests of what it must not hold. */
export const agentBundleInputs = async (): Promise<string[]> => Object.keys((await build_(true)).metafile?.inputs ?? {});

/** `tsx agent/bundle.ts OUT`: writes the bundle (the CDK bundling hook and the bench use it). */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: tsx agent/bundle.ts <output file>\n');
    process.exit(2);
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await bundleAgent());
  chmodSync(out, 0o755);
}
