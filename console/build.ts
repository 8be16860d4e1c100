import { build } from 'esbuild';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The console's files by URL path: `/` (index.html), `/console/app.js`, `/console/app.css`. */
export type ConsoleSite = ReadonlyMap<string, ConsoleFile>;

/**
 * The web console as static files: one ES module (Preact and uPlot bundled in, minified), one
 * stylesheet and the page. No inline script or style, so the page runs under a strict CSP.
 */
export const buildConsole = async (): Promise<ConsoleSite> => {
  const result = await build({
    entryPoints: { app: join(HERE, 'src/main.tsx') },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: '/console',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = (suffix: string) => result.outputFiles.find((output) => output.path.endsWith(suffix));
  const js = file('app.js');
  const css = file('app.css');
  if (!js || !css) throw new Error('the console build produced no app.js or app.css');
  return new Map([
    ['/', { body: readFileSync(join(HERE, 'index.html')), contentType: 'text/html; charset=utf-8' }],
    ['/console/app.js', { body: Buffer.from(js.contents), contentType: 'text/javascript; charset=utf-8' }],
    ['/console/app.css', { body: Buffer.from(css.contents), contentType: 'text/css; charset=utf-8' }],
  ]);
};

/** The header every console response carries: scripts and styles from this origin only, API calls to it alone. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const gzippedSize = (file: ConsoleFile): number => gzipSync(file.body).length;

/** `tsx console/build.ts OUTDIR`: writes the site for upload (the CDK deployment and the bench use it). */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: tsx console/build.ts <output folder>\n');
    process.exit(2);
  }
  for (const [path, file] of await buildConsole()) {
    const target = join(out, path === '/' ? 'index.html' : path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, file.body);
  }
}
