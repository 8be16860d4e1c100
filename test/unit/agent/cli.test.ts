import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocation, maintenanceLines } from '#agent/cli.ts';

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

describe('maintenanceLines', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  const windows = [
    { windowId: 'mw_1', startsAt: '2026-12-04T10:00:00.000Z', endsAt: '2026-12-04T11:00:00.000Z', category: 'disk' },
    { windowId: 'mw_2', startsAt: '2026-12-04T11:30:00.000Z', endsAt: '2026-12-04T12:30:00.000Z', category: 'power', note: 'new PSU' },
    { windowId: 'mw_3', startsAt: '2026-12-06T02:00:00.000Z', endsAt: '2026-12-06T04:00:00.000Z', category: 'gpu' },
  ];

  it('shows the windows not yet ended, marking the one in progress', () => {
    expect(maintenanceLines(windows, now)).toEqual([
      'Maintenance (no work that could run into a window is placed here):',
      '  power 2026-12-04T11:30:00.000Z to 2026-12-04T12:30:00.000Z (in progress): new PSU',
      '  gpu 2026-12-06T02:00:00.000Z to 2026-12-06T04:00:00.000Z',
    ]);
  });

  it('shows nothing when there are none (or an older API sent none)', () => {
    expect(maintenanceLines(undefined, now)).toEqual([]);
    expect(maintenanceLines(windows.slice(0, 1), now)).toEqual([]);
  });
});
