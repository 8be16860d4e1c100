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

export { AGENT_NODE_FLAGS } from './src/core/node-flags.ts';

/**
 * One file that Node.js runs as an ES module under its `.mjs` name (what is served, signed
 * and verified) and as a CommonJS script under a `.cjs` name (the installer's hard link to
 * the same bytes, what its launcher runs): no import or export statement, no `import.meta`.
 * As CommonJS it skips the ES module loader (0.4-0.6 MB of an idle agent's RSS). The bundle
 * is one function of the `require` that every built-in loads through: CommonJS's own, or one
 * made from `node:module` when loaded as an ES module. First in it, lite mode set at run time
 * for a start without the flags (`node gpuhive-agent.mjs`, by hand): V8 allows it, though the
 * functions compiled before that line keep their code, and `node:v8` itself costs ~0.4 MB, so
 * a start with the flags skips it.
 */
const HEAD =
  '#!/usr/bin/env node\n"use strict";var gpuhiveAgent=(require,gpuhiveSelf)=>{' +
  'process.execArgv.includes("--lite-mode")||require("node:v8").setFlagsFromString("--lite-mode");';
const TAIL =
  '};typeof require=="function"?gpuhiveAgent(require,__filename):' +
  '(process.getBuiltinModule?Promise.resolve(process.getBuiltinModule("node:module")):import("node:module"))' +
  '.then((m)=>gpuhiveAgent(m.createRequire(process.argv[1]),process.argv[1]));';

const build_ = (metafile: boolean) =>
  build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // The ESM builds of the SDK's signer packages: esbuild drops what the agent does not call (~140 KB -> ~14 KB).
    mainFields: ['module', 'main'],
    // import.meta.url (the verifier's check whether it runs from sources): this file's path.
    define: { 'import.meta.url': 'gpuhiveSelf' },
    minify: true,
    plugins: [builtinsThroughRequire],
    write: false,
    metafile,
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: HEAD },
    footer: { js: TAIL },
  });

/**
 * The agent as one file that needs only Node.js 20+ (the AWS SDK's SigV4 signer bundled in):
 * what `GET /agent/gpuhive-agent.mjs` serves and install.sh downloads.
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
