import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleAgent } from '../../../agent/bundle.ts';

/** Prints, at exit, the built-in modules the process loaded that an idle agent has no use for. */
const REPORT_LOADED =
  'data:text/javascript,process.on("exit",()=>process.stderr.write("LOADED "+JSON.stringify(process.moduleLoadList.filter((m)=>/^NativeModule (child_process|https|tls|internal\\/deps\\/undici\\/undici)$/.test(m)))))';

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
    // Only the banner's node:module, which makes the `require` every other built-in goes through.
    expect(esmImports).toEqual(['node:module']);
  });

  it('starts without loading node:https, node:child_process or undici, which only HTTPS endpoints and jobs need', () => {
    const run = spawnSync(process.execPath, ['--import', REPORT_LOADED, file, '--version'], { encoding: 'utf8' });

    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run.stderr).toContain('LOADED []');
  });
});
