import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./entry.ts', import.meta.url));

const buildCli = (metafile: boolean) =>
  build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    // yaml's CommonJS build calls `require` for Node built-ins, which ESM lacks.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as gpuhiveCreateRequire } from 'node:module'; const require = gpuhiveCreateRequire(import.meta.url);",
    },
    metafile,
  });

/**
 * The renter CLI as one ESM file that needs only Node.js 20+ (its one dependency, yaml,
 * bundled in): what `GET /cli/gpuhive.mjs` serves and `npm pack` in cli/ ships as the bin.
 * Plain Node starts it in well under the time tsx takes to compile the sources.
 */
export const bundleCli = async (): Promise<string> => (await buildCli(false)).outputFiles[0]!.text;

/** The source files the bundle is made of, relative to the repository root (test/unit/cli/bundle.test.ts reads them). */
export const cliBundleInputs = async (): Promise<string[]> => Object.keys((await buildCli(true)).metafile?.inputs ?? {});

/** Writes the bundle to `out`, executable. */
export const writeCliBundle = async (out: string): Promise<void> => {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await bundleCli());
  chmodSync(out, 0o755);
};

/** `tsx cli/bundle.ts OUT`: the CDK bundling hook, `npm pack` (prepack) and the bench use it. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: tsx cli/bundle.ts <output file>\n');
    process.exit(2);
  }
  await writeCliBundle(out);
}
