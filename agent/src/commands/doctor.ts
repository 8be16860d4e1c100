import { existsSync, readFileSync } from 'node:fs';
import { ApiClient } from '#agent/api/client.ts';
import { nodeTransport } from '#agent/api/http.ts';
import { ApiError, describeError } from '#agent/core/errors.ts';
import { readJsonFile } from '#agent/core/files.ts';
import { detectDocker, detectGpus } from '#agent/config/hardware.ts';
import { loadState, modeOf, resolveStateDir, statePaths, type LastHeartbeat } from '#agent/config/state.ts';
import { firewallCheck } from '#agent/runner/docker-host.ts';
import { jobNetworkNames } from '#agent/runner/job-network.ts';
import { isAlive } from '#agent/runner/process-runner.ts';
import { parse, TOKEN_FIX, type Out } from './common.ts';
import { QUEUE_FIX } from './host-lines.ts';

/** `gpuhive-agent doctor`: every prerequisite and the connection to the API, each with its fix. */

export const help = `Usage: gpuhive-agent doctor [--api URL] [--simulate-gpus SPEC] [--state-dir DIR]

Checks Node.js, nvidia-smi and the GPUs it lists, Docker and the NVIDIA Container Toolkit,
the state directory, the registration and the API, and prints how to fix each problem.
Exits 1 when something needed is missing.`;

interface Check {
  readonly name: string;
  readonly ok: boolean | 'warn';
  readonly detail: string;
  readonly fix?: string;
  /** Printed under the check's own line. */
  readonly lines?: readonly string[];
}

export const run = async (args: string[], out: Out): Promise<number> => {
  const { values } = parse(args, { api: { type: 'string' }, 'simulate-gpus': { type: 'string' } });
  if (values.help) return out(help), 0;
  const paths = statePaths(resolveStateDir(values['state-dir']));
  const state = loadState(paths);
  const checks: Check[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'Node.js', ok: major >= 20, detail: `v${process.versions.node}`, fix: 'install Node.js 20 or newer: https://nodejs.org/en/download (or your distribution\'s nodejs 20+ package)' });

  const simulate = values['simulate-gpus'] ?? state?.simulateGpus;
  const gpus = await detectGpus(simulate ? { simulate } : {});
  if (gpus.source === 'none') {
    checks.push({ name: 'nvidia-smi', ok: false, detail: gpus.problems.join('; '), fix: 'install the NVIDIA driver (e.g. `sudo ubuntu-drivers install` or https://www.nvidia.com/drivers), then check that `nvidia-smi` lists your GPUs' });
  } else {
    checks.push({
      name: gpus.source === 'simulated' ? 'GPUs (simulated)' : 'nvidia-smi',
      ok: gpus.gpus.length > 0,
      detail: `${gpus.gpus.length} GPU(s)${gpus.driverVersion ? `, driver ${gpus.driverVersion}` : ''}${gpus.cudaVersion ? `, CUDA ${gpus.cudaVersion}` : ''}`,
      fix: 'nvidia-smi runs but lists no usable GPU: check `nvidia-smi -L` and the driver logs (dmesg | grep -i nvidia)',
      lines: gpus.gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.name}, ${gpu.vramMb} MB, ${gpu.uuid}`),
    });
    for (const problem of gpus.problems) checks.push({ name: 'nvidia-smi output', ok: 'warn', detail: problem });
  }

  const docker = await detectDocker();
  if (!docker.available) {
    const problem = docker.problem ?? 'not available';
    const fix = /permission denied/i.test(problem)
      ? 'add the agent\'s user to the docker group: `sudo usermod -aG docker $USER`, then log in again'
      : /Cannot connect to the Docker daemon/i.test(problem)
        ? 'start the Docker daemon: `sudo systemctl enable --now docker`'
        : 'install Docker Engine (https://docs.docker.com/engine/install/) to take image jobs; without it only --allow-process-jobs work';
    checks.push({ name: 'Docker', ok: 'warn', detail: problem, fix });
  } else {
    checks.push({ name: 'Docker', ok: true, detail: 'the daemon answers' });
    checks.push({ name: 'NVIDIA Container Toolkit', ok: docker.nvidiaRuntime ? true : 'warn', detail: docker.nvidiaRuntime ? 'present' : 'missing: containers cannot see the GPUs', fix: 'install it: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html, then `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`' });
  }

  const dirMode = modeOf(paths.dir);
  const stateMode = modeOf(paths.state);
  checks.push({ name: 'state directory', ok: dirMode !== undefined ? true : 'warn', detail: dirMode === undefined ? `${paths.dir} does not exist` : `${paths.dir} (mode ${dirMode.toString(8)})`, fix: 'run gpuhive-agent register (or pass the --state-dir you registered with)' });
  if (stateMode !== undefined && (stateMode & 0o077) !== 0) checks.push({ name: 'state file permissions', ok: false, detail: `${paths.state} is mode ${stateMode.toString(8)}: other users can read the agent token`, fix: `chmod 600 ${paths.state}` });
  if (!state) checks.push({ name: 'registration', ok: 'warn', detail: 'no host registered here', fix: 'gpuhive-agent register --api URL --token TOKEN --price 0.45 --region eu-west' });
  else {
    checks.push({ name: 'registration', ok: true, detail: `host ${state.hostId}, runtimes ${state.runtimes.join(', ')}` });
    if (state.runtimes.includes('docker') && !docker.available) checks.push({ name: 'runtimes', ok: false, detail: 'registered with docker, but Docker does not answer now: image jobs would fail', fix: 'start Docker (`sudo systemctl start docker`)' });
    if (state.runtimes.includes('docker')) checks.push(await firewallCheck(jobNetworkNames(paths.dir), existsSync(paths.pid) && isAlive(Number(readFileSync(paths.pid, 'utf8')))));
  }

  const apiUrl = values.api ?? state?.apiUrl;
  if (apiUrl) {
    const api = new ApiClient({ baseUrl: apiUrl, timeoutMs: 5000, ...(state ? { agentToken: state.agentToken } : {}) });
    try {
      if (state) {
        const credentials = await api.queueCredentials();
        checks.push({ name: 'API', ok: true, detail: `${apiUrl} accepts the agent token; queue ${credentials.queueUrl.split('/').pop()}${credentials.endpoint ? ` at ${credentials.endpoint}` : ''}` });
        // Assignments arrive over SQS directly: a firewall that lets the API through may still block it.
        const sqsOrigin = new URL(credentials.endpoint ?? credentials.queueUrl).origin;
        try {
          // node:http, never the global fetch: the bundle's lite mode cannot run undici's WebAssembly.
          const answer = await nodeTransport(sqsOrigin, { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) });
          checks.push({ name: 'queue (SQS)', ok: true, detail: `${sqsOrigin} reachable (HTTP ${answer.status})` });
        } catch (error) {
          checks.push({ name: 'queue (SQS)', ok: false, detail: `${sqsOrigin}: ${describeError(error)}: no assignment can reach this host`, fix: `allow outbound HTTPS from this machine to ${new URL(sqsOrigin).host}` });
        }
      } else {
        const response = await nodeTransport(`${apiUrl.replace(/\/+$/, '')}/install.sh`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(5000) });
        checks.push({ name: 'API', ok: response.status < 500, detail: `${apiUrl} answers (${response.status})` });
      }
    } catch (error) {
      const refused = error instanceof ApiError && error.unauthorized;
      checks.push({
        name: 'API', ok: false, detail: `${apiUrl}: ${describeError(error)}`,
        fix: refused ? TOKEN_FIX(paths.dir).replace(/^fix: /, '') : 'check the URL, DNS, proxies and that outbound HTTPS is allowed from this machine',
      });
    }
  } else checks.push({ name: 'API', ok: 'warn', detail: 'no API to check', fix: 'pass --api URL, or register first' });
  const heartbeat = readJsonFile<LastHeartbeat>(paths.heartbeat);
  if (heartbeat?.ok && heartbeat.status !== 'online') checks.push({ name: 'host status', ok: 'warn', detail: `${heartbeat.status}: ${heartbeat.statusReason ?? ''}` });
  if (heartbeat?.ok && heartbeat.listed === false) checks.push({ name: 'listing', ok: 'warn', detail: 'the host is not listed: renters cannot see it', fix: 'PATCH /v1/hosts/{hostId} {"listed": true} as the provider' });
  const agentRuns = existsSync(paths.pid) && isAlive(Number(readFileSync(paths.pid, 'utf8')));
  if (heartbeat?.queuePoll && agentRuns) {
    checks.push({
      name: 'queue poll (running agent)', ok: false,
      detail: `failing since ${heartbeat.queuePoll.failingSince} (${heartbeat.queuePoll.failures} polls): ${heartbeat.queuePoll.error}; no assignment reaches this host and the platform places no work here`,
      fix: QUEUE_FIX,
    });
  }

  for (const check of checks) {
    const mark = check.ok === true ? 'ok  ' : check.ok === 'warn' ? 'warn' : 'FAIL';
    out(`[${mark}] ${check.name}: ${check.detail}`);
    for (const line of check.lines ?? []) out(`       ${line}`);
    if (check.ok !== true && check.fix) out(`       fix: ${check.fix}`);
  }
  const failed = checks.filter((check) => check.ok === false).length;
  out(failed === 0 ? 'Nothing blocks this host.' : `${failed} problem(s) to fix.`);
  return failed === 0 ? 0 : 1;
};
