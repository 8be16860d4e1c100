import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentMessage } from '#agent/api/types.ts';
import { runCommand, type RunCommand } from '#agent/config/hardware.ts';
import { silentLogger } from '#agent/core/logger.ts';
import { ensurePrivateDir, PRIVATE_FILE } from '#agent/core/files.ts';
import { prepareDockerHost, type DockerHost } from '#agent/runner/docker-host.ts';
import { containerNameOf, DockerRunner, type DockerLimits } from '#agent/runner/docker-runner.ts';
import { checkEgressRules, jobNetworkNames } from '#agent/runner/job-network.ts';
import { JobLogs } from '#agent/runner/job-logs.ts';
import type { RunningJob } from '#agent/runner/types.ts';
import { freePort } from '#infra/local/free-port.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';
import { apiClient, eventually, newAccount, startTestRuntime, type ApiClient } from '#test/support/local-runtime.ts';
import { fundedRenter, waitForStatus } from '#test/support/marketplace.ts';
import { agentCommand, startAgent, type AgentProcess } from './support.ts';
import { dockerTestsEnabled, ensureTestImage, inspectContainer, removeContainer, requireDocker, TEST_IMAGE } from '#test/support/docker.ts';

/**
 * Renter isolation against the real Docker daemon (docs/isolation.md): the containers the
 * agent starts, their network and its firewall. No traffic is ever sent to a private or
 * link-local address: the rules and the container's settings are what is checked.
 */
const enabled = dockerTestsEnabled('docker isolation tests');

// A host of one simulated GPU and 400 MB: a job gets 90% of it, 360 MB. The job memory floor
// (`--min-job-memory`, default 1 GiB) is lowered so the memory check fills 360 MB, not a GiB.
const host: DockerLimits = { hostCpuCores: 2, hostMemoryMb: 400, hostGpuCount: 1, minJobMemoryMb: 128 };
const stateDir = mkdtempSync(join(tmpdir(), 'gpuhive-isolation-state-'));
const names = jobNetworkNames(stateDir);
const { network: JOB_NETWORK, bridge: JOB_BRIDGE, egressChain: EGRESS_CHAIN, hostChain: HOST_CHAIN } = names;
const TOKEN = 'gpuhive_agent_isolation_test_token_do_not_leak';
let dockerHost: DockerHost;
let counter = 0;

const message = (command: string[], extra: Partial<AssignmentMessage> = {}): AssignmentMessage => ({
  type: 'assignment', assignmentId: `iso-${process.pid}-${(counter += 1)}`, jobId: 'job_iso', image: TEST_IMAGE, command,
  env: {}, gpuIndices: [0], maxDurationSeconds: 600, rank: 0, worldSize: 1, peers: [], ...extra,
});

/** Starts a job as the agent does: its logs and scratch dir under the agent's 0700 state dir. */
const startJob = async (runner: DockerRunner, job: AssignmentMessage) => {
  const dir = join(stateDir, 'jobs', job.assignmentId);
  const logs = new JobLogs(dir);
  const running = await runner.start({ message: job, env: { GPUHIVE_JOB_ID: job.jobId }, workDir: join(dir, 'work'), logs, onStarted: () => undefined });
  return { running, logs, output: () => readFileSync(logs.file, 'utf8') };
};

const runToEnd = async (runner: DockerRunner, job: AssignmentMessage) => {
  const { running, logs, output } = await startJob(runner, job);
  const exit = await running.exited;
  logs.close();
  return { exit, output: output() };
};

const runner = (extra: Partial<ConstructorParameters<typeof DockerRunner>[1]> = {}) =>
  new DockerRunner(host, { isolation: dockerHost.isolation, preflight: dockerHost.preflight, ...extra });

describe.runIf(enabled)('job containers on a real Docker daemon', () => {
  beforeAll(async () => {
    requireDocker();
    ensureTestImage();
    ensurePrivateDir(stateDir);
    writeFileSync(join(stateDir, 'state.json'), JSON.stringify({ agentToken: TOKEN }), { mode: PRIVATE_FILE });
    dockerHost = await prepareDockerHost({ logger: silentLogger, names, simulatedGpus: true });
  }, 180_000);

  afterAll(async () => {
    await dockerHost?.release();
  });

  it('installs the egress firewall: private, link-local and metadata ranges dropped from the job bridge, the host itself closed', async () => {
    expect(await checkEgressRules({ names })).toEqual([]);
    const egress = spawnSync('iptables', ['-w', '-S', EGRESS_CHAIN], { encoding: 'utf8' }).stdout;
    for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16']) expect(egress).toContain(`-A ${EGRESS_CHAIN} -d ${range} -j DROP`);
    expect(spawnSync('iptables', ['-w', '-S', 'DOCKER-USER'], { encoding: 'utf8' }).stdout).toContain(`-A DOCKER-USER -i ${JOB_BRIDGE} -j ${EGRESS_CHAIN}`);
    expect(spawnSync('iptables', ['-w', '-S', HOST_CHAIN], { encoding: 'utf8' }).stdout).toContain(`-A ${HOST_CHAIN} -j DROP`);
    const egress6 = spawnSync('ip6tables', ['-w', '-S', EGRESS_CHAIN], { encoding: 'utf8' });
    if (egress6.status === 0) for (const range of ['fc00::/7', 'fe80::/10']) expect(egress6.stdout).toContain(`-d ${range} -j DROP`);
  }, 90_000);

  it.concurrent('runs as an unprivileged user with no capabilities: chown, mknod and network changes are refused', async ({ expect }) => {
    const { exit, output } = await runToEnd(runner(), message(['sh', '-c', [
      'echo "uid=$(id -u) gid=$(id -g)"',
      'grep -E "^(CapEff|CapBnd|CapPrm|NoNewPrivs)" /proc/self/status',
      'touch /scratch/f && echo scratch-writable',
      'chown 0:0 /scratch/f && echo chown-ok || echo chown-refused',
      'mknod /scratch/null c 1 3 && echo mknod-ok || echo mknod-refused',
      'ip link set eth0 mtu 1400 && echo ip-ok || echo ip-refused',
      'ip addr add 10.9.9.9/32 dev eth0 && echo addr-ok || echo addr-refused',
    ].join('; ')]));

    expect(exit.exitCode).toBe(0);
    expect(output).toContain('uid=65534 gid=65534');
    expect(output).toMatch(/CapEff:\s+0000000000000000/);
    expect(output).toMatch(/CapBnd:\s+0000000000000000/);
    expect(output).toMatch(/NoNewPrivs:\s+1/);
    expect(output).toContain('scratch-writable');
    expect(output).toContain('chown-refused');
    expect(output).toContain('mknod-refused');
    expect(output).toContain('ip-refused');
    expect(output).toContain('addr-refused');
    expect(output).not.toMatch(/chown-ok|mknod-ok|ip-ok|addr-ok/);
  }, 90_000);

  it.concurrent('sits on the agent\'s job network, mounts only its scratch dir, and cannot see the agent\'s state or token', async ({ expect }) => {
    const runnerUnderTest = runner();
    // Every file outside /proc, /sys and /dev is searched for the token; busybox's applets are
    // hundreds of links to one binary, which is searched once (a search per link read 300 MB).
    const scan = `grep -l ${TOKEN} /bin/busybox; find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f ! -samefile /bin/busybox -exec grep -l ${TOKEN} {} + 2>/dev/null`;
    const job = message(['sh', '-c', `echo ready; cat ${join(stateDir, 'state.json')} 2>&1; ls /scratch; env; ${scan}; echo scanned; sleep 30`]);
    const { running, logs, output } = await startJob(runnerUnderTest, job);
    try {
      await expect.poll(output, { timeout: 60_000 }).toContain('scanned');
      const container = inspectContainer(containerNameOf(job.assignmentId))!;

      expect(Object.keys(container.NetworkSettings.Networks)).toEqual([JOB_NETWORK]);
      expect(container.HostConfig.NetworkMode).toBe(JOB_NETWORK);
      expect(container.Mounts.map((mount: { Source: string; Destination: string; RW: boolean }) => [mount.Source, mount.Destination, mount.RW]))
        .toEqual([[join(stateDir, 'jobs', job.assignmentId, 'work'), '/scratch', true]]);
      expect(container.HostConfig.Privileged).toBe(false);
      expect(container.HostConfig.CapDrop).toEqual(['ALL']);
      expect(container.HostConfig.CapAdd ?? []).toEqual([]);
      expect(container.HostConfig.SecurityOpt).toContain('no-new-privileges');
      expect(container.HostConfig.Dns).toEqual(['1.1.1.1', '9.9.9.9']);
      expect(container.HostConfig.PortBindings ?? {}).toEqual({});
      expect(output()).toContain('No such file or directory');
      expect(output()).not.toContain(TOKEN);
      const network = JSON.parse(spawnSync('docker', ['network', 'inspect', JOB_NETWORK], { encoding: 'utf8' }).stdout)[0];
      expect(network.Options).toMatchObject({ 'com.docker.network.bridge.name': JOB_BRIDGE, 'com.docker.network.bridge.enable_icc': 'false' });
    } finally {
      await running.stop(1000);
      logs.close();
    }
  }, 90_000);

  it.concurrent('publishes only the declared port, on the provider\'s range', async ({ expect }) => {
    // A port free now, not a fixed one: another checkout's run of this file on the same machine held 41000 once.
    const hostPort = await freePort();
    const job = message(['sh', '-c', 'echo listening; sleep 30'], { ports: [{ containerPort: 8080, hostPort, protocol: 'tcp' }] });
    const { running, logs, output } = await startJob(runner({ portRange: { from: hostPort, to: hostPort + 9 } }), job);
    try {
      await expect.poll(output, { timeout: 60_000 }).toContain('listening');
      const container = inspectContainer(containerNameOf(job.assignmentId))!;
      const published = spawnSync('docker', ['port', containerNameOf(job.assignmentId)], { encoding: 'utf8' }).stdout.trim().split('\n');

      expect(Object.keys(container.HostConfig.PortBindings)).toEqual(['8080/tcp']);
      expect(container.HostConfig.PortBindings['8080/tcp'].map((binding: { HostPort: string }) => binding.HostPort)).toEqual([String(hostPort)]);
      expect(container.HostConfig.PublishAllPorts).toBe(false);
      expect(published.every((line) => line.startsWith('8080/tcp -> ') && line.endsWith(`:${hostPort}`))).toBe(true);
    } finally {
      await running.stop(1000);
      logs.close();
    }
  }, 90_000);

  it.concurrent('refuses a job that declares a port when the provider gave no port range', async ({ expect }) => {
    await expect(startJob(runner(), message(['true'], { ports: [{ containerPort: 8080, hostPort: 41_000, protocol: 'tcp' }] }))).rejects.toThrow(/no port range/);
  }, 90_000);

  it.concurrent('stops forking at its pids limit', async ({ expect }) => {
    // ash gives up at the first fork the kernel refuses; `started=N` is echoed by the shell itself (no fork).
    const job = message(['sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; i=0; while [ $i -lt 40 ]; do sleep 20 & i=$((i+1)); echo "started=$i"; done; echo all-started']);
    const { exit, output } = await runToEnd(runner({ isolation: { ...dockerHost.isolation, pidsLimit: 16 } }), job);
    const started = Math.max(...[...output.matchAll(/started=(\d+)/g)].map((match) => Number(match[1])));

    expect(output).toMatch(/^16$/m);
    expect(output).toMatch(/can't fork/);
    expect(output).not.toContain('all-started');
    expect(started).toBeGreaterThanOrEqual(10);
    expect(started).toBeLessThan(16);
    expect(exit.exitCode).not.toBe(0);
  }, 60_000);

  it.concurrent('is killed past the memory the assignment states (360 MB of 400), not below it', async ({ expect }) => {
    const job = message(['sh', '-c', [
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null',
      // dd holds one buffer of `bs` bytes, filled (so really allocated) by the read.
      'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null && echo "100m fits"',
      'dd if=/dev/zero of=/dev/null bs=470M count=1 2>/dev/null && echo "470m survived" || echo "470m killed status=$?"',
    ].join('; ')]);
    const { exit, output } = await runToEnd(runner(), job);

    expect(output).toContain(String(360 * 1024 * 1024));
    expect(output).toContain('100m fits');
    expect(output).toContain('470m killed status=137');
    expect(output).not.toContain('survived');
    expect(exit.exitCode).toBe(0);
  }, 180_000);

  it.concurrent('runs without --gpus on simulated GPUs, with CUDA_VISIBLE_DEVICES of its GPUs', async ({ expect }) => {
    const { exit, output } = await runToEnd(runner(), message(['sh', '-c', 'echo "cuda=$CUDA_VISIBLE_DEVICES scratch=$GPUHIVE_SCRATCH_DIR"'], { gpuIndices: [0] }));

    expect(exit.exitCode).toBe(0);
    expect(output).toContain('cuda=0 scratch=/scratch');
  }, 90_000);

  it('removes the firewall when released, and refuses image jobs where it cannot be installed', async () => {
    await dockerHost.release();
    expect(spawnSync('iptables', ['-w', '-S', EGRESS_CHAIN]).status).not.toBe(0);
    expect(spawnSync('iptables', ['-w', '-S', HOST_CHAIN]).status).not.toBe(0);
    expect(spawnSync('iptables', ['-w', '-S', 'DOCKER-USER'], { encoding: 'utf8' }).stdout).not.toContain(EGRESS_CHAIN);
    expect(spawnSync('iptables', ['-w', '-S', 'INPUT'], { encoding: 'utf8' }).stdout).not.toContain(HOST_CHAIN);

    // An agent that may not change iptables (not root): every write is refused.
    const unprivileged: RunCommand = (file, args, timeoutMs) =>
      /^ip6?tables$/.test(file) && args.some((arg) => ['-N', '-A', '-I', '-F'].includes(arg))
        ? Promise.resolve({ ok: false, stdout: '', stderr: 'Permission denied (you must be root)', error: `${file}: Permission denied (you must be root)` })
        : runCommand(file, args, timeoutMs);
    const refused = await prepareDockerHost({ logger: silentLogger, names, simulatedGpus: true, run: unprivileged });
    await expect(startJob(new DockerRunner(host, { isolation: refused.isolation, preflight: refused.preflight }), message(['true']))).rejects.toThrow(/egress firewall is not in place/);
    expect(inspectContainer(containerNameOf(`iso-${process.pid}-${counter}`))).toBeUndefined();
  }, 90_000);

  afterAll(() => {
    for (let i = 1; i <= counter; i += 1) removeContainer(containerNameOf(`iso-${process.pid}-${i}`));
  });
});

/**
 * The whole Docker path end to end without a GPU: a real `gpuhive-agent` with simulated GPUs
 * and the docker runtime, the local backend, an image job built here.
 */
describe.runIf(enabled)('gpuhive-agent with the docker runtime on simulated GPUs', () => {
  let runtime: LocalRuntime;
  let api: ApiClient;
  let agent: AgentProcess | undefined;
  const agentState = mkdtempSync(join(tmpdir(), 'gpuhive-docker-agent-'));
  const agentNames = jobNetworkNames(agentState);

  beforeAll(async () => {
    requireDocker();
    ensureTestImage();
    runtime = await startTestRuntime({ env: { HEARTBEAT_INTERVAL_SECONDS: '1', CAPACITY_CACHE_SECONDS: '0.5' } });
    api = apiClient(runtime.apiUrl);
  }, 180_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await runtime?.stop();
  });

  it('installs the firewall when it starts, runs an image job as nobody without --gpus, and removes the firewall when it stops', async () => {
    const provider = await newAccount(api, runtime.adminKey, 'provider', 'Docker Farm');
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    const registered = await agentCommand(['register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west', '--simulate-gpus', 'RTX 4090:24564', '--state-dir', agentState]);
    expect(registered.stdout).toContain('runtimes docker');
    expect(registered.code).toBe(0);

    agent = startAgent(['--state-dir', agentState]);
    await eventually(async () => expect(await checkEgressRules({ names: agentNames })).toEqual([]), 60_000);
    const doctor = await agentCommand(['doctor', '--state-dir', agentState]);
    expect(doctor.stdout).toMatch(/\[ok {2}\] egress firewall: job containers cannot reach private, link-local or metadata addresses/);

    const { renterKey } = await fundedRenter(api, runtime);
    const submitted = await api.call('POST', '/v1/jobs', {
      key: renterKey,
      body: { image: TEST_IMAGE, command: ['sh', '-c', 'echo "uid=$(id -u) cuda=$CUDA_VISIBLE_DEVICES"'], env: {}, gpu: { count: 1 }, maxPricePerGpuHour: '0.900000', maxDurationSeconds: 600, restartPolicy: 'never' },
    });
    expect(submitted.status).toBe(202);
    const job = await waitForStatus(api, renterKey, submitted.body.jobId, 'succeeded', 120_000);
    const logs = await eventually(async () => {
      const page = await api.call('GET', `/v1/jobs/${job.jobId}/logs`, { key: renterKey });
      const text = (page.body.items as { data: string }[]).map((item) => item.data).join('');
      expect(text).toContain('uid=65534');
      return text;
    }, 30_000);
    expect(logs).toContain('cuda=0');

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(await checkEgressRules({ names: agentNames })).toContain(`iptables chain ${agentNames.egressChain} is missing`);
    expect(spawnSync('iptables', ['-w', '-S', 'DOCKER-USER'], { encoding: 'utf8' }).stdout).not.toContain(agentNames.egressChain);
    const stopped = await agentCommand(['doctor', '--state-dir', agentState]);
    expect(stopped.stdout).toContain('egress firewall: not installed now; gpuhive-agent run installs it before taking image jobs');
  }, 300_000);
});
