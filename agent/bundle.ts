import { build, type Plugin } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./src/entry.ts', import.meta.url));

/**
 * Node's built-in modules through `require`, not `import`: importing a built-in as ESM builds its
 * namespace from every export, which runs the lazy getters. On Node 22 `node:http`'s
 * `WebSocket` getter loads undici (~12 MB of RSS in an idle agent) and on both `node:crypto`'s
 * `webcrypto` loads Web Crypto. esbuild turns a CommonJS shim's exports into getters that read
 * the module only when a name is used.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(plugin) {
    plugin.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin' },
    );
    plugin.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
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

/**
 * The agent as one ESM file that needs only Node.js 20+ (the AWS SDK's SigV4 signer bundled
 * in): what `GET /agent/gpuhive-agent.mjs` serves and install.sh downloads.
 */
export const bundleAgent = async (): Promise<string> => {
  const result = await build({
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
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: `#!/usr/bin/env node\n${BANNER}` },
  });
  return result.outputFiles[0]!.text;
};

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
