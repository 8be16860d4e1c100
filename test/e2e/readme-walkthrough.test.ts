import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBlocks, shellBlocks } from '#test/support/doc-blocks.ts';
import { spawnRuntime, type SpawnedRuntime } from '#test/support/spawned-runtime.ts';

/** The README's walkthrough blocks, in order: each shell block right after `<!-- walkthrough -->`. */
const walkthroughBlocks = () => shellBlocks('README.md').filter((block) => block.mark.kind === 'walkthrough');

/**
 * A reader pauses before submitting the first job until the silent host is unreachable again
 * (UNREACHABLE_AFTER_SECONDS=5 below), as it is for anyone reading at their own pace: the job then
 * waits, and step 10's heartbeats must bring the host back and receive it.
 */
const READERS_PAUSE = `until curl -s "$API/v1/hosts" -H "Authorization: Bearer $PROVIDER_KEY" | grep -q '"status":"unreachable"'; do sleep 1; done`;
const withReadersPause = (blocks: ReturnType<typeof walkthroughBlocks>) =>
  blocks.map((block) => (block.code.includes('Idempotency-Key: my-first-job') ? { ...block, code: `${READERS_PAUSE}\n${block.code}` } : block));

const listening = async (url: string): Promise<boolean> =>
  fetch(url).then(
    () => true,
    () => false,
  );

let runtime: SpawnedRuntime;

// Started as the README says, with a free port and nothing on disk; offers show a host back online half a second
// after its heartbeat rather than the default 5 s (step 8 waits for it).
beforeAll(async () => {
  runtime = await spawnRuntime(['--port', '0', '--in-memory', '--schedules-every', '1'], { UNREACHABLE_AFTER_SECONDS: '5', CAPACITY_CACHE_SECONDS: '0.5' });
}, 90_000);
afterAll(async () => {
  await runtime?.stop('SIGKILL');
});

describe('the README walkthrough', () => {
  it('runs as written against npm start and shows what it promises', async () => {
    const run = await runBlocks(withReadersPause(walkthroughBlocks()), {
      env: { ...process.env, API: runtime.apiUrl, ADMIN_KEY: runtime.adminKey },
      timeoutMs: 120_000,
    });

    expect(run.stderr, run.stdout.slice(-3000)).toBe('');
    expect(run.status, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toHaveLength(25);
    const [account, token, host, heartbeat, listing, silent, badInput, credit, offers, job, started, exited, finished, timeline, ledger, balance] = run.outputs.slice(0, 16).map(
      (output) => JSON.parse(output.trim().split('\n').pop() ?? ''),
    );
    expect(account).toMatchObject({ kind: 'provider', name: 'Acme GPUs', apiKey: expect.stringMatching(/^gpuhive_provider_/) });
    expect(token).toMatchObject({ token: expect.stringMatching(/^gpuhive_reg_/), expiresAt: expect.any(String) });
    expect(host).toMatchObject({ hostId: expect.stringMatching(/^host_/), agentToken: expect.stringMatching(/^gpuhive_agent_/) });
    // The walkthrough's backend runs UNREACHABLE_AFTER_SECONDS=5: it hands out 3 s, well inside it, not 60 s.
    expect(heartbeat).toMatchObject({ status: 'online', heartbeatIntervalSeconds: 3, assignments: [] });
    expect(listing.items[0]).toMatchObject({ status: 'online', statusReason: 'never assigned', pricePerGpuHour: '0.450000', gpus: [{ model: 'RTX 4090' }] });
    expect(silent.items[0]).toMatchObject({ status: 'unreachable', statusReason: expect.stringMatching(/^unreachable since/) });
    expect(badInput.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'pricePerGpuHour' }] });
    expect(credit).toMatchObject({ kind: 'credit', reference: 'welcome-credit' });
    expect(offers.items[0]).toMatchObject({ hostId: host.hostId, gpuModel: 'RTX 4090', availableGpus: 1, pricePerGpuHour: '0.450000' });
    expect(job).toMatchObject({ jobId: expect.stringMatching(/^job_/), status: 'queued' });
    expect(started).toMatchObject({ state: 'running' });
    expect(exited).toMatchObject({ state: 'exited' });
    expect(finished).toMatchObject({ jobId: job.jobId, status: 'succeeded', cost: '0.000250', assignments: [{ hostId: host.hostId, state: 'exited', exitCode: 0 }] });
    // The curl agent heartbeats between steps, so on a busy machine the 5 s threshold can mark its
    // host unreachable (and back) while the job runs: that shows on the timeline, and is all it may add.
    const steps = timeline.items.map((entry: { type: string }) => entry.type);
    // Submitted while its only host was unreachable (the reader's pause): the job says it waits (`queued`) if matching
    // looks for a host before step 10's heartbeat brings it back. Beside another run its funds were held only after
    // that heartbeat, and it was placed at once: either is right, and nothing else may come between.
    const lifecycle = steps.filter((type: string) => !type.startsWith('host_'));
    expect(lifecycle.filter((type: string) => type !== 'queued')).toEqual(['submitted', 'funds_held', 'placed', 'accepted', 'started', 'exited', 'succeeded']);
    expect([-1, 2]).toContain(lifecycle.indexOf('queued'));
    expect(lifecycle.filter((type: string) => type === 'queued').length).toBeLessThanOrEqual(1);
    // The usage charge: the renter pays 2 GPU-seconds at $0.45/h, and the credit is still there.
    const charges = ledger.items.filter((entry: { kind: string }) => entry.kind === 'usage_charge');
    expect(charges).toEqual([expect.objectContaining({ amount: '-0.000250' })]);
    expect(balance).toMatchObject({ balance: '24.999750', held: '0.000000', available: '24.999750' });
    // The console at the API's own address, under its strict CSP.
    expect(run.outputs[16]?.trim()).toMatch(/^content-security-policy: default-src 'none'; script-src 'self'/i);
    // The interactive job: a port range on the host, Jupyter from its template, its URL with the token.
    const [opened, jupyter, jupyterStarted] = run.outputs.slice(17, 20).map((output) => JSON.parse(output.trim().split('\n').pop() ?? ''));
    expect(opened).toEqual({ publicAddress: '203.0.113.7', portRange: { from: 40000, to: 40009 } });
    expect(jupyter).toMatchObject({ jobId: expect.stringMatching(/^job_/), status: 'queued' });
    expect(jupyterStarted).toMatchObject({ state: 'running' });
    expect(run.outputs[20]?.trim()).toMatch(/^http:\/\/203\.0\.113\.7:4000\d\/lab\?token=[\w-]{20,} \(ready: true\)$/);
    // A service from the vLLM template: Jupyter's GPU freed, one replica placed, healthy, listed.
    const [jupyterStopped, service, replicaHealthy, endpoints] = run.outputs.slice(21, 25).map((output) => JSON.parse(output.trim().split('\n').pop() ?? ''));
    expect(jupyterStopped).toMatchObject({ state: 'stopped' });
    expect(service).toMatchObject({ serviceId: expect.stringMatching(/^svc_/) });
    expect(replicaHealthy).toMatchObject({ state: 'running' });
    expect(endpoints).toMatchObject({ serviceId: service.serviceId, endpoints: [{ url: expect.stringMatching(/^http:\/\/203\.0\.113\.7:4000\d$/) }] });
  }, 180_000);

  it('prints --help', () => {
    const help = spawnSync('npm', ['start', '--silent', '--', '--help'], { encoding: 'utf8', timeout: 60_000 });

    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--data-dir DIR');
    expect(help.stdout).toContain('GPUHIVE_ADMIN_KEY');
  }, 90_000);

  it('stops every process it started on Ctrl-C, leaving nothing listening', async () => {
    const dynamodb = /DynamoDB (http:\/\/\S+)/.exec(runtime.stdout())?.[1] ?? '';
    // A connection refused for a moment on a busy machine is not the answer: wait for one.
    await expect.poll(() => listening(dynamodb), { timeout: 10_000, message: `${dynamodb} from: ${runtime.stdout()}` }).toBe(true);

    const exit = await runtime.stop('SIGINT');

    // npm itself dies of the signal; the runtime under it stops cleanly and says so.
    expect(exit.code === 0 || exit.signal === 'SIGINT').toBe(true);
    await expect.poll(() => runtime.stderr(), { timeout: 10_000 }).toContain('stopped.');
    expect(await listening(`${runtime.apiUrl}/v1/hosts`)).toBe(false);
    await expect.poll(() => listening(dynamodb), { timeout: 10_000 }).toBe(false);
  });
});
