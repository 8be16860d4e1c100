import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, offeredHost, waitForMessage } from '#test/support/marketplace.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ssh/${name}.pub`, import.meta.url), 'utf8').trim();

let runtime: LocalRuntime;
let api: ApiClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ env: { CAPACITY_CACHE_SECONDS: '0.5' } });
  api = apiClient(runtime.apiUrl);
}, 60_000);
afterAll(() => runtime?.stop());

describe('saved SSH keys', () => {
  it('saves, lists and deletes a renter\'s keys, each once, and shows them to nobody else', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const other = await fundedRenter(api, runtime);

    const ed = await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'laptop', publicKey: `${fixture('ed')}\n` } });
    const rsa = await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'ci', publicKey: fixture('rsa3072') } });
    const again = await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'laptop again', publicKey: fixture('ed') } });

    expect(ed.status).toBe(201);
    expect(ed.body).toMatchObject({ name: 'laptop', type: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:YwdD3A7vVwxpbbR1bN9cFJxRwEgRGmL0Qvj82dt9jqw', publicKey: fixture('ed') });
    expect(rsa.body).toMatchObject({ type: 'ssh-rsa', bits: 3072 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ssh_key_exists');
    const listed = await api.call('GET', '/v1/ssh-keys', { key: renterKey });
    expect(listed.body.items.map((key: { keyId: string }) => key.keyId).sort()).toEqual([ed.body.keyId, rsa.body.keyId].sort());
    expect((await api.call('GET', '/v1/ssh-keys', { key: other.renterKey })).body.items).toEqual([]);
    expect((await api.call('DELETE', `/v1/ssh-keys/${ed.body.keyId}`, { key: other.renterKey })).status).toBe(404);

    expect((await api.call('DELETE', `/v1/ssh-keys/${ed.body.keyId}`, { key: renterKey })).status).toBe(204);
    expect((await api.call('DELETE', `/v1/ssh-keys/${ed.body.keyId}`, { key: renterKey })).status).toBe(404);
    expect((await api.call('GET', '/v1/ssh-keys', { key: renterKey })).body.items.map((key: { keyId: string }) => key.keyId)).toEqual([rsa.body.keyId]);
    // Deleted, it can be saved again.
    expect((await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'laptop', publicKey: fixture('ed') } })).status).toBe(201);
  });

  it('refuses weak, other and malformed keys with a 400 naming publicKey', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    for (const publicKey of [fixture('rsa2048'), fixture('ecdsa'), 'ssh-ed25519 AAAA', 'not a key']) {
      const refused = await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'k', publicKey } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['publicKey']);
    }
    const missing = await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { publicKey: fixture('ed') } });
    expect(missing.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['name']);
  });

  it('gives a job with ports the account\'s saved keys, or its own, in the assignment', async () => {
    const { renterKey } = await fundedRenter(api, runtime);
    const host = await offeredHost(api, runtime, renterKey, { publicAddress: '203.0.113.7', portRange: { from: 40000, to: 40009 }, gpus: [0, 1].map((index) => ({ name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-ssh-${index}-${Math.random()}`, index })) });
    await api.call('POST', '/v1/ssh-keys', { key: renterKey, body: { name: 'laptop', publicKey: fixture('ed') } });
    const job = { image: 'example/sshd:1', ports: [{ name: 'ssh', containerPort: 22, protocol: 'tcp' }], gpu: { count: 1 }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600 };

    const saved = await api.call('POST', '/v1/jobs', { key: renterKey, body: job });
    const own = await api.call('POST', '/v1/jobs', { key: renterKey, body: { ...job, sshKeys: [fixture('rsa3072')] } });
    const weak = await api.call('POST', '/v1/jobs', { key: renterKey, body: { ...job, sshKeys: [fixture('ed'), fixture('rsa2048')] } });

    const savedMessage = await waitForMessage(api, host.agentToken, (message) => message.jobId === saved.body.jobId);
    expect(savedMessage.sshKeys).toEqual([fixture('ed')]);
    expect(savedMessage.ports).toEqual([{ name: 'ssh', containerPort: 22, protocol: 'tcp', hostPort: expect.any(Number) }]);
    const ownMessage = await waitForMessage(api, host.agentToken, (message) => message.jobId === own.body.jobId);
    expect(ownMessage.sshKeys).toEqual([fixture('rsa3072')]);
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.map((detail: { field: string }) => detail.field)).toEqual(['sshKeys.1']);
  }, 60_000);
});
