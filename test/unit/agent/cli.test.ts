import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocation } from '#agent/cli.ts';

describe('invocation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-invocation-'));
  const bundle = join(dir, 'opt', 'gpuhive-agent');
  mkdirSync(join(dir, 'opt'));
  writeFileSync(bundle, '#!/usr/bin/env node\n');
  chmodSync(bundle, 0o755);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(bundle, join(bin, 'gpuhive-agent'));

  it('suggests npx for the launcher a clone runs, however it was reached', () => {
    expect(invocation({ PATH: bin }, '/home/me/gpuhive/agent/bin/gpuhive-agent.mjs')).toBe('npx gpuhive-agent');
  });

  it('suggests the bare name when gpuhive-agent on PATH is this very file', () => {
    expect(invocation({ PATH: `/usr/bin:${bin}` }, bundle)).toBe('gpuhive-agent');
  });

  it('suggests the file itself when PATH does not lead to it', () => {
    expect(invocation({ PATH: '/usr/bin' }, bundle)).toBe(bundle);
  });
});
