import { mkdtemp, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '#cli/main.ts';
import { bufferOutput, loggedIn, recordedFetch } from './fakes.ts';

const CONFIG_DIR = '/nonexistent';

/** Runs one command line against recorded responses; programs it would run are recorded, not run. */
const run = async (argv: string[], replies: Parameters<typeof recordedFetch>[0]) => {
  const output = bufferOutput();
  const fake = recordedFetch(replies);
  const executed: (readonly string[])[] = [];
  const code = await main(argv, { output, env: loggedIn, fetch: fake.fetch, exec: async (command) => (executed.push(command), 0) });
  return { code, stdout: output.stdout(), stderr: output.stderr(), requests: fake.requests, executed };
};

const endpoint = (rank: number, name: string | null, containerPort: number, protocol: 'http' | 'tcp', hostPort: number, address = '203.0.113.7') => ({
  assignmentId: `job_1.a1.r${rank}`, rank, name, containerPort, protocol, hostPort, address: `${address}:${hostPort}`, url: protocol === 'http' ? `http://${address}:${hostPort}` : null, ready: true,
});

// Recorded per GET /v1/jobs/{jobId}.
const job = (extra: Record<string, unknown> = {}) => ({
  jobId: 'job_1', name: null, status: 'running', statusReason: null, image: 'img', command: null, gpu: { count: 1 }, hosts: 2, regions: null,
  maxPricePerGpuHour: '0.900000', maxDurationSeconds: 3600, restartPolicy: 'never', hold: '1.000000', assignments: [], cost: '0.000000',
  createdAt: '2026-12-04T10:00:00.000Z', startedAt: '2026-12-04T10:01:00.000Z', endedAt: null, template: null, secrets: {},
  endpoints: [endpoint(0, 'ssh', 22, 'tcp', 40001), endpoint(0, 'jupyter', 8888, 'http', 40000), endpoint(1, null, 2222, 'tcp', 40500, '2001:db8::5')],
  ...extra,
});

describe('gpuhive ssh', () => {
  it('runs ssh with the endpoint\'s port, the user, a known-hosts file of the job\'s own, and the options after --', async () => {
    const result = await run(['ssh', 'job_1', '--', '-L', '8888:localhost:8888'], { 'GET /v1/jobs/job_1': [{ body: job() }] });

    expect(result.code).toBe(0);
    expect(result.executed).toEqual([[
      'ssh', '-p', '40001', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${CONFIG_DIR}/known_hosts/job_1-r0`, '-L', '8888:localhost:8888', 'root@203.0.113.7',
    ]]);
  });

  it('picks the rank\'s sshd port, an IPv6 host, the ssh-base template\'s user and the given identity', async () => {
    const result = await run(['ssh', 'job_1', '--rank', '1', '-i', '/home/ada/.ssh/gpu'], { 'GET /v1/jobs/job_1': [{ body: job({ template: { name: 'ssh-base', version: 1 } }) }] });

    expect(result.executed).toEqual([[
      'ssh', '-p', '40500', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${CONFIG_DIR}/known_hosts/job_1-r1`, '-i', '/home/ada/.ssh/gpu', '-o', 'IdentitiesOnly=yes', 'renter@2001:db8::5',
    ]]);
  });

  it('prints the command with --dry-run, and says why when the job has no ssh port yet', async () => {
    const dry = await run(['ssh', 'job_1', '--user', 'ada', '--dry-run'], { 'GET /v1/jobs/job_1': [{ body: job() }] });
    const queued = await run(['ssh', 'job_1'], { 'GET /v1/jobs/job_1': [{ body: job({ status: 'queued', endpoints: [] }) }] });

    expect(dry.stdout).toBe(`ssh -p 40001 -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${CONFIG_DIR}/known_hosts/job_1-r0 ada@203.0.113.7\n`);
    expect(dry.executed).toEqual([]);
    expect(queued.code).toBe(3);
    expect(queued.stderr).toContain('job_1 is queued: only a running job has endpoints.');
  });
});

describe('gpuhive open', () => {
  it('prints an http port\'s URL by name or port, with the Jupyter token only its owner sees', async () => {
    const replies = { 'GET /v1/jobs/job_1': [{ body: job({ secrets: { JUPYTER_TOKEN: 'tok-1' } }) }] };
    const byName = await run(['open', 'job_1', 'jupyter'], replies);
    const tcp = await run(['open', 'job_1', '22'], replies);

    expect(byName.stdout).toBe('http://203.0.113.7:40000/lab?token=tok-1\n');
    expect(tcp.code).toBe(3);
    expect(tcp.stderr).toContain('Port 22 is a tcp port: connect to 203.0.113.7:40001.');
  });
});

describe('gpuhive jobs', () => {
  it('submits from a template with the renter\'s env, leaving the rest to the template', async () => {
    const result = await run(['jobs', 'submit', '--template', 'vllm', '--env', 'MODEL=Qwen/Qwen2.5-7B-Instruct', '--max-price', '0.9'], { 'POST /v1/jobs': [{ status: 202, body: { jobId: 'job_2', status: 'queued' } }] });

    expect(result.code).toBe(0);
    expect(result.requests[0]?.body).toEqual({ template: 'vllm', env: { MODEL: 'Qwen/Qwen2.5-7B-Instruct' }, maxPricePerGpuHour: '0.9' });
  });

  it('declares ports with --port, tcp unless /http, and refuses a port out of range', async () => {
    const result = await run(['jobs', 'submit', '--gpus', '1', '--max-price', '0.9', '--port', 'web:8080/http', '--port', '22', '--', 'python', 'serve.py'], { 'POST /v1/jobs': [{ status: 202, body: { jobId: 'job_3', status: 'queued' } }] });
    const bad = await run(['jobs', 'submit', '--gpus', '1', '--max-price', '0.9', '--port', '70000', '--', 'x'], {});

    expect(result.requests[0]?.body).toMatchObject({ ports: [{ name: 'web', containerPort: 8080, protocol: 'http' }, { containerPort: 22, protocol: 'tcp' }] });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port wants [NAME:]PORT[/http|tcp]');
  });

  it('refuses a template with an image or a command before calling the API', async () => {
    const result = await run(['jobs', 'submit', '--template', 'cuda', '--max-price', '0.9', '--', 'nvidia-smi'], {});

    expect(result.code).toBe(2);
    expect(result.requests).toEqual([]);
  });

  it('lists a job\'s endpoints, its template and its generated secrets in jobs get', async () => {
    const result = await run(['jobs', 'get', 'job_1'], { 'GET /v1/jobs/job_1': [{ body: job({ template: { name: 'pytorch-jupyter', version: 1 }, secrets: { JUPYTER_TOKEN: 'tok-1' } }) }] });

    expect(result.stdout).toContain('Template:     pytorch-jupyter (version 1)');
    expect(result.stdout).toContain('JUPYTER_TOKEN:tok-1');
    expect(result.stdout).toMatch(/0 +8888 +jupyter +http +203\.0\.113\.7:40000 +http:\/\/203\.0\.113\.7:40000 +yes/);
    expect(result.stdout).toMatch(/1 +2222 +- +tcp +2001:db8::5:40500 +- +yes/);
  });
});

describe('gpuhive templates and ssh-keys', () => {
  it('lists the templates with what the renter must give', async () => {
    const vllm = { name: 'vllm', version: 1, title: 'vLLM', description: 'd', image: 'i@sha256:x', command: null, ports: [{ name: 'api', containerPort: 8000, protocol: 'http' }], env: [{ name: 'MODEL', description: 'm', required: true, generated: false, default: null }], gpu: { count: 1, minVramMb: 24000 }, maxDurationSeconds: 14400 };
    const result = await run(['templates'], { 'GET /v1/templates': [{ body: { items: [vllm] } }] });

    expect(result.stdout).toMatch(/vllm +1 +api:8000\/http +24000 MB +MODEL +vLLM/);
  });

  it('saves a public key file, and refuses a private one before calling the API', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gpuhive-cli-keys-'));
    const publicKey = readFileSync(new URL('../../fixtures/ssh/ed.pub', import.meta.url), 'utf8');
    await writeFile(join(dir, 'id_ed25519.pub'), publicKey);
    await writeFile(join(dir, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
    const saved = { keyId: 'sshkey_1', name: 'id_ed25519.pub', type: 'ssh-ed25519', bits: 256, fingerprint: 'SHA256:x', publicKey, createdAt: '2026-12-04T10:00:00.000Z' };

    const added = await run(['ssh-keys', 'add', join(dir, 'id_ed25519.pub')], { 'POST /v1/ssh-keys': [{ status: 201, body: saved }] });
    const refused = await run(['ssh-keys', 'add', join(dir, 'id_ed25519')], {});
    const removed = await run(['ssh-keys', 'rm', 'sshkey_1'], { 'DELETE /v1/ssh-keys/sshkey_1': [{ status: 204 }] });

    expect(added.requests[0]?.body).toEqual({ name: 'id_ed25519.pub', publicKey });
    expect(added.stdout).toBe('Saved sshkey_1 (id_ed25519.pub, ssh-ed25519 256, SHA256:x).\n');
    expect(refused.code).toBe(2);
    expect(refused.requests).toEqual([]);
    expect(removed.stdout).toBe('Deleted sshkey_1.\n');
  });

  it.each(['ssh', 'open', 'templates', 'ssh-keys add', 'ssh-keys list', 'ssh-keys rm'])('has --help for %s', async (command) => {
    const result = await run([...command.split(' '), '--help'], {});

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: gpuhive ${command}( |\n)`));
  });
});
