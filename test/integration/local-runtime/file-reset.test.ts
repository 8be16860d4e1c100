import { describe, expect, it } from 'vitest';
import { topology } from '#infra/topology.ts';
import { fixtureState } from '#test/fixtures/fixture-state.ts';
import { resetForNextFile, restoreEnv } from '#test/support/file-reset.ts';
import { apiClient, startTestRuntime } from '#test/support/local-runtime.ts';

/**
 * The `runtime` project runs files one after another in a shared worker, with what
 * `resetForNextFile` does between them (test/support/runtime-file-setup.ts). Here the same
 * reset runs between two runtimes of one file, which then must not see each other.
 */
const accountsTableEnv = topology.tables.accounts!.envVar;

describe('a fresh start for the next file of a shared worker', () => {
  it('gives the next runtime functions evaluated afresh on its own tables, node_modules still loaded', async () => {
    const first = await startTestRuntime();
    const firstApi = apiClient(first.apiUrl);
    const renter = await firstApi.call('POST', '/v1/accounts', { key: first.adminKey, body: { kind: 'renter', name: 'First' } });
    expect(renter.status).toBe(201);
    const firstFunction = await import('#functions/accounts/create-account.ts');
    const sdk = await import('@aws-sdk/client-dynamodb');
    await first.stop();

    expect(await resetForNextFile()).toEqual([]);
    expect(process.env[accountsTableEnv]).toBeUndefined();
    // As the next file would import it: the module above holds the first runtime's function modules.
    const next = await import('#test/support/local-runtime.ts');
    const second = await next.startTestRuntime();
    try {
      const api = apiClient(second.apiUrl);
      expect((await api.call('GET', '/v1/accounts/me', { key: renter.body.apiKey })).status).toBe(401);
      const own = await api.call('POST', '/v1/accounts', { key: second.adminKey, body: { kind: 'renter', name: 'Second' } });
      expect(own.status).toBe(201);
      expect((await api.call('GET', '/v1/accounts/me', { key: own.body.apiKey })).body.name).toBe('Second');
      expect((await firstApi.call('GET', '/v1/accounts/me', { key: own.body.apiKey }).catch(() => undefined))?.status).toBeUndefined();
      expect(await import('#functions/accounts/create-account.ts')).not.toBe(firstFunction);
      expect((await import('@aws-sdk/client-dynamodb')).DynamoDBClient).toBe(sdk.DynamoDBClient);
      expect(process.env.AWS_ACCESS_KEY_ID).toBe(second.credentials.accessKeyId);
      expect(second.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    } finally {
      await second.stop();
    }
  });

  it('stops a runtime an earlier file left running, and takes back the settings it gave the functions', async () => {
    const left = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
    expect(process.env.CAPACITY_CACHE_SECONDS).toBe('0.5');

    expect(await resetForNextFile()).toEqual([`runtime ${left.stage}`]);

    expect(process.env.CAPACITY_CACHE_SECONDS).toBeUndefined();
    expect(await fetch(`${left.apiUrl}/v1/offers`).catch(() => 'refused')).toBe('refused');
  });

  it("forgets what an earlier file's fixture handlers recorded and how it changed them", async () => {
    const fresh = () => ({ consumed: [] as string[], healed: false });
    const earlier = fixtureState('a fixture of this test', fresh);
    earlier.consumed.push('earlier-file');
    earlier.healed = true;

    await resetForNextFile();

    expect(fixtureState('a fixture of this test', fresh)).toEqual({ consumed: [], healed: false });
  });

  // What test/support/vm-file-setup.ts does after each file of the `unit-isolated` project.
  it('gives the environment back as a snapshot had it: a changed setting set back, an added one and a deleted one undone', () => {
    process.env.GPUHIVE_RESET_CHANGED = 'before';
    process.env.GPUHIVE_RESET_DELETED = 'kept';
    const snapshot = { ...process.env };
    process.env.GPUHIVE_RESET_CHANGED = 'after';
    process.env.GPUHIVE_RESET_ADDED = 'new';
    delete process.env.GPUHIVE_RESET_DELETED;

    restoreEnv(snapshot);

    expect(process.env.GPUHIVE_RESET_CHANGED).toBe('before');
    expect(process.env.GPUHIVE_RESET_DELETED).toBe('kept');
    expect(process.env).not.toHaveProperty('GPUHIVE_RESET_ADDED');
    expect({ ...process.env }).toEqual(snapshot);
    delete process.env.GPUHIVE_RESET_CHANGED;
    delete process.env.GPUHIVE_RESET_DELETED;
  });
});
