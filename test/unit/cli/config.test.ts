import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, readConfig, resolveConnection, writeConfig } from '#cli/config.ts';

describe('configPath', () => {
  it('prefers --config, then GPUHIVE_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath('/flag.json', { GPUHIVE_CONFIG: '/env.json' })).toBe('/flag.json');
    expect(configPath(undefined, { GPUHIVE_CONFIG: '/env.json', XDG_CONFIG_HOME: '/xdg' })).toBe('/env.json');
    expect(configPath(undefined, { XDG_CONFIG_HOME: '/xdg', HOME: '/home/ada' })).toBe('/xdg/gpuhive/config.json');
    expect(configPath(undefined, { HOME: '/home/ada' })).toBe('/home/ada/.config/gpuhive/config.json');
  });
});

describe('writeConfig', () => {
  it('writes the file with mode 0600 in a folder it creates, and reads it back', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'gpuhive-config-')), 'nested', 'config.json');

    await writeConfig(path, { apiUrl: 'http://127.0.0.1:8080', apiKey: 'gpuhive_renter_x' });

    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readConfig(path)).toEqual({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'gpuhive_renter_x' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ apiUrl: 'http://127.0.0.1:8080', apiKey: 'gpuhive_renter_x' });
  });

  it('reads a missing file as empty', async () => {
    expect(await readConfig(join(tmpdir(), 'gpuhive-none', 'config.json'))).toEqual({});
  });
});

describe('resolveConnection', () => {
  it('lets GPUHIVE_API and GPUHIVE_API_KEY override the stored URL and key', () => {
    const stored = { apiUrl: 'http://stored/', apiKey: 'stored-key' };

    expect(resolveConnection(stored, {})).toEqual({ apiUrl: 'http://stored', apiKey: 'stored-key' });
    expect(resolveConnection(stored, { GPUHIVE_API: 'http://env', GPUHIVE_API_KEY: 'env-key' })).toEqual({ apiUrl: 'http://env', apiKey: 'env-key' });
    expect(resolveConnection({}, {})).toBeUndefined();
  });
});
