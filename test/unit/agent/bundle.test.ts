import { spawnSync } from 'node:child_process';
import { linkSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, agentBundleInputs, builtinShim, bundleAgent } from '../../../agent/bundle.ts';

/** Prints, at exit, the built-in modules the process loaded that an idle agent has no use for. */
const REPORT_LOADED =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("LOADED "+JSON.stringify(process.moduleLoadList.filter((m)=>/^NativeModule (child_process|https|tls|internal\\/deps\\/undici\\/undici)$/.test(m)))))';

/** The same at exit for what only a command other than `--version`, a verification run or a job loads. */
const REPORT_LAZY =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("LAZY "+JSON.stringify(process.moduleLoadList.filter((m)=>/^NativeModule (readline|worker_threads|internal\\/crypto\\/webcrypto|internal\\/util\\/diff)$/.test(m)))))';

describe('the agent bundle', () => {
  let text: string;
  let file: string;
  beforeAll(async () => {
    text = await bundleAgent();
    file = join(mkdtempSync(join(tmpdir(), 'agent-bundle-')), 'gpuhive-agent.mjs');
    writeFileSync(file, text);
  });

  it('imports no built-in module as ESM (a namespace runs every lazy getter: undici on Node 22)', () => {
    const esmImports = [...text.matchAll(/\bimport\s*(?:\{[^}]*\}\s*from\s*|[\w$]+\s*from\s*|\*\s*as\s*[\w$]+\s*from\s*)?["'](node:[\w/]+)["']/g)].map((match) => match[1]);
    expect(esmImports).toEqual([]);
    // The one dynamic import: node:module, for the `require` of an ES module start on a Node.js without process.getBuiltinModule.
    expect([...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1])).toEqual(['node:module']);
  });

  it('runs as an ES module under its .mjs name and as CommonJS under a .cjs name (the installer\'s hard link), with or without the launcher\'s flags', () => {
    const cjs = file.replace(/\.mjs$/, '.cjs');
    linkSync(file, cjs);
    // Loaded through --require: a preload through --import would load the ES module loader itself.
    const report = join(dirname(file), 'report.cjs');
    writeFileSync(report, 'process.on("exit",()=>process.stderr.write("ESM-LOADER "+process.moduleLoadList.includes("NativeModule internal/modules/esm/translators")))');
    for (const [args, esm] of [[[file], true], [[cjs], false], [[...AGENT_NODE_FLAGS, cjs], false]] as const) {
      const run = spawnSync(process.execPath, ['--require', report, ...args, '--version'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(run.stderr).toContain(`ESM-LOADER ${esm}`);
      expect(run.stderr).not.toContain('Warning');
    }
  });

  it('never calls the global fetch: undici compiles WebAssembly, which the bundle\'s lite mode makes V8 abort on', () => {
    expect(text.match(/(?<![\w$.])fetch\(/g)).toBeNull();
  });

  it('starts without loading node:https, node:child_process or undici, which only HTTPS endpoints and jobs need', () => {
    const run = spawnSync(process.execPath, ['--import', REPORT_LOADED, file, '--version'], { encoding: 'utf8' });

    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run.stderr).toContain('LOADED []');
  });

  it('loads readline (the simulated verifier child), Web Crypto and the rest of node:util only when used', () => {
    const run = spawnSync(process.execPath, ['--import', REPORT_LAZY, file, '--version'], { encoding: 'utf8' });

    expect(run.status).toBe(0);
    expect(run.stderr).toContain('LAZY []');
  });
});

describe('what the agent bundle is made of', () => {
  it('holds no zod and no backend code: the wire contract reaches it as types only', async () => {
    const inputs = (await agentBundleInputs()).filter((input) => !input.startsWith('builtin:'));
    const backend = inputs.filter((input) => !input.startsWith('agent/src/') && !input.startsWith('node_modules/@smithy/'));

    expect(inputs.filter((input) => input.includes('node_modules/zod/'))).toEqual([]);
    // The one exception: the simulated verifier computes with the platform's own verification
    // maths, so a simulated host proves exactly what the platform checks (loaded at its first run).
    expect(backend.filter((input) => !input.startsWith('shared/registry/domain/verification/') && input !== 'shared/registry/domain/gpu-model.ts')).toEqual([]);
    expect(inputs).toContain('agent/src/api/types.ts');
  });
});

describe('the stand-in for a built-in module in the bundle', () => {
  it('reads exactly the values the file imports, leaving types and aliases out', () => {
    const source = "import { createHash, createHmac as hmac, type Hash } from 'node:crypto';\nimport type { Hmac } from 'node:crypto';\n";

    expect(builtinShim('node:crypto', source)).toBe('const m = require("node:crypto");\nexport const createHash = m.createHash;\nexport const createHmac = m.createHmac;\n');
  });

  it('keeps the whole module for a namespace import (a dependency file the bundle then drops)', () => {
    expect(builtinShim('node:zlib', 'import * as zlib from "node:zlib";')).toBe('module.exports = require("node:zlib");\n');
  });
});
