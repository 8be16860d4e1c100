/**
 * The provider agent as providers run it (the single-file bundle on plain Node.js, started as
 * install.sh's launcher and systemd unit start it: the `.cjs` hard link, AGENT_NODE_FLAGS) against
 * the local backend: its idle RSS and CPU after `--idle-seconds` (default 60) of heartbeats
 * and long polls, and the assignment pick-up latency: from the matcher queueing the
 * assignment (the job timeline's `placed` step) to the agent logging "assignment received".
 * Targets: idle RSS <= 45 MB, idle CPU < 0.5% of one core, pick-up < 1 s. Also printed: the
 * bundle's size and where the idle RSS goes (Node.js alone, with node:http and node:crypto in
 * use, the agent's own share, what its first verification run leaves, what the launcher's way
 * of starting it saves), and what node:https adds where the API is HTTPS (production; the
 * local backend is plain HTTP, so the agent never loads it here). RSS hardly depends on the
 * machine's load; idle CPU and pick-up do, so the load average is printed beside them.
 * Where Docker runs, the agent offers image jobs and prepares the host's firewall at start (it
 * runs iptables, so node:child_process is loaded); --no-docker registers it for process jobs only.
 * Run: npx tsx bench/agent.bench.ts [--idle-seconds 60] [--jobs 10] [--no-docker]; AGENT_EXTRA_FLAGS='--flag ...' adds Node flags to
 * the agent's; AGENT_NODE=/path/to/node runs the agent and the baselines on another Node.js (e.g. 22).
 */
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_NODE_FLAGS, bundleAgent } from '../agent/bundle.ts';
import { apiClient } from '#test/support/local-runtime.ts';
import { benchRuntime, percentile, progress, table } from './support.ts';

const { values } = parseArgs({ options: { 'idle-seconds': { type: 'string', default: '60' }, jobs: { type: 'string', default: '10' }, 'no-docker': { type: 'boolean', default: false } } });
const IDLE_SECONDS = Number(values['idle-seconds']);
const JOBS = Number(values.jobs);
/** The Node.js that runs the agent and the baselines. */
const NODE = process.env.AGENT_NODE ?? process.execPath;
const NODE_VERSION = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS = 100;
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
};
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The idle RSS of a Node.js process running `script` as the launcher runs the agent (a
 * CommonJS file, AGENT_NODE_FLAGS), measured as the agent's is: after it settled.
 */
let baselines = 0;
const baselineRssMb = async (dir: string, script: string): Promise<number> => {
  const file = join(dir, `baseline-${(baselines += 1)}.cjs`);
  writeFileSync(file, script);
  const child = spawn(NODE, [...AGENT_NODE_FLAGS, file], { stdio: 'ignore' });
  try {
    await sleep(3000);
    return rssMb(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
};

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const EXTRA_FLAGS = process.env.AGENT_EXTRA_FLAGS?.split(' ').filter(Boolean) ?? [];

const runtime = await benchRuntime();
const api = apiClient(runtime.apiUrl);
const dir = mkdtempSync(join(tmpdir(), 'agent-bench-'));
const bundle = join(dir, 'gpuhive-agent.mjs');
/** What install.sh's launcher runs: the same bytes as CommonJS. */
const launched = join(dir, 'gpuhive-agent.cjs');
let agentOutput = '';
let agent: ReturnType<typeof spawn> | undefined;
let quiet: ReturnType<typeof spawn> | undefined;
let plain: ReturnType<typeof spawn> | undefined;
try {
  progress('bundling the agent');
  writeFileSync(bundle, await bundleAgent());
  linkSync(bundle, launched);
  const bundleKb = statSync(bundle).size / 1024;
  progress('measuring Node.js alone and with node:http and node:crypto in use, for the RSS breakdown');
  const nodeAloneRss = await baselineRssMb(dir, 'setInterval(() => undefined, 1 << 30);');
  const httpInUse =
    `const { get } = require('node:http'); const { createHmac } = require('node:crypto'); createHmac('sha256', 'k').update('x').digest(); ` +
    `get(${JSON.stringify(`${runtime.apiUrl}/v1/health`)}, (r) => r.resume()).on('error', () => undefined); `;
  const nodeHttpRss = await baselineRssMb(dir, `${httpInUse}setInterval(() => undefined, 1 << 30);`);
  const nodeHttpsRss = await baselineRssMb(dir, `${httpInUse}require('node:https'); setInterval(() => undefined, 1 << 30);`);
  const provider = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'provider', name: 'bench' } });
  /** A host of its own, registered with the bundle as a provider would (simulated GPUs). */
  const registerHost = async (stateDir: string): Promise<void> => {
    const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
    await new Promise<void>((resolve, reject) => {
      const register = spawn(NODE, [bundle, 'register', '--api', runtime.apiUrl, '--token', token.body.token, '--price', '0.45', '--region', 'eu-west', '--simulate-gpus', 'RTX 4090:24564x8', '--allow-process-jobs', ...(values['no-docker'] ? ['--no-docker'] : []), '--state-dir', stateDir], { stdio: 'inherit' });
      register.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`register exited ${code}`))));
    });
  };
  const stateDir = join(dir, 'state');
  await registerHost(stateDir);
  // Beside it, for the breakdown, two more hosts signed off before the jobs (so they take none):
  // the same agent with no verifier, so its first verification run (computed in a child
  // process for simulated GPUs, in the CUDA container on real ones) loads nothing into it; and
  // that agent started by hand (`node gpuhive-agent.mjs run`: an ES module, lite mode set at run time).
  const quietStateDir = join(dir, 'state-no-verifier');
  await registerHost(quietStateDir);
  const plainStateDir = join(dir, 'state-by-hand');
  await registerHost(plainStateDir);
  const runtimes = (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { runtimes: string[] }).runtimes.join(' and ');
  agent = spawn(NODE, [...AGENT_NODE_FLAGS, ...EXTRA_FLAGS, launched, 'run', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  agent.stderr?.on('data', (chunk: Buffer) => { agentOutput += chunk.toString(); });
  const pid = agent.pid!;
  const noVerifier = { ...process.env, GPUHIVE_VERIFY_BACKEND: 'none' };
  quiet = spawn(NODE, [...AGENT_NODE_FLAGS, ...EXTRA_FLAGS, launched, 'run', '--state-dir', quietStateDir], { stdio: 'ignore', env: noVerifier });
  plain = spawn(NODE, [...EXTRA_FLAGS, bundle, 'run', '--state-dir', plainStateDir], { stdio: 'ignore', env: noVerifier });

  progress(`idling ${IDLE_SECONDS} s (a heartbeat a minute, 20 s long polls)`);
  await sleep(5000);
  const cpuBefore = cpuSeconds(pid);
  const idleStart = performance.now();
  await sleep(Math.max(1, IDLE_SECONDS - 5) * 1000);
  const idleCpu = ((cpuSeconds(pid) - cpuBefore) / ((performance.now() - idleStart) / 1000)) * 100;
  const idleRss = rssMb(pid);
  const quietRss = rssMb(quiet.pid!);
  const plainRss = rssMb(plain.pid!);
  const idleLoad = loadAverage();
  const verificationRuns = agentOutput.match(/ INFO verification (passed|failed)/g)?.length ?? 0;
  for (const other of [quiet, plain]) {
    other.kill('SIGUSR2'); // drain: signs off at once (nothing runs), so the jobs below go to the measured agent
    await new Promise((resolve) => (other.exitCode === null ? other.once('exit', resolve) : resolve(undefined)));
  }

  progress(`picking up ${JOBS} jobs one after another`);
  const renter = await api.call('POST', '/v1/accounts', { key: runtime.adminKey, body: { kind: 'renter', name: 'bench' } });
  await api.call('POST', `/v1/accounts/${renter.body.accountId}/credits`, { key: runtime.adminKey, body: { amount: '1000' } });
  const fromPlaced: number[] = [];
  const fromSubmit: number[] = [];
  for (let n = 0; n < JOBS; n += 1) {
    const submitted = Date.now();
    const job = await api.call('POST', '/v1/jobs', { key: renter.body.apiKey, body: { command: ['true'], gpu: { count: 1 }, maxPricePerGpuHour: '1.000000', maxDurationSeconds: 600 } });
    const jobId = job.body.jobId as string;
    for (;;) {
      const status = (await api.call('GET', `/v1/jobs/${jobId}`, { key: renter.body.apiKey })).body.status;
      if (['succeeded', 'failed', 'cancelled', 'expired'].includes(status)) break;
      await sleep(50);
    }
    const timeline = (await api.call('GET', `/v1/jobs/${jobId}/events`, { key: renter.body.apiKey })).body.items as { type?: string; step?: string; at: string }[];
    const placed = timeline.find((entry) => (entry.type ?? entry.step) === 'placed');
    const received = new RegExp(`^(\\S+) INFO assignment received assignmentId=\\S+ jobId=${jobId}\\b`, 'm').exec(agentOutput)?.[1];
    if (placed && received) fromPlaced.push(Date.parse(received) - Date.parse(placed.at));
    if (received) fromSubmit.push(Date.parse(received) - submitted);
  }
  fromPlaced.sort((a, b) => a - b);
  fromSubmit.sort((a, b) => a - b);
  const flags = [...AGENT_NODE_FLAGS, ...EXTRA_FLAGS].join(' ');
  table(`Agent (single-file bundle as install.sh starts it: node ${flags} gpuhive-agent.cjs; Node ${NODE_VERSION}, 8 simulated GPUs, ${runtimes} jobs)`, [
    ['bundle', `${bundleKb.toFixed(0)} KB (one file; the SigV4 signer is the only dependency bundled in)`],
    ['idle RSS after ' + IDLE_SECONDS + ' s', `${idleRss.toFixed(1)} MB (target <= 45 MB)`],
    ['  of which Node.js alone (empty script)', `${nodeAloneRss.toFixed(1)} MB (the floor on this Node.js, with the same flags)`],
    ['  + node:http and node:crypto in use', `${(nodeHttpRss - nodeAloneRss).toFixed(1)} MB (the agent's transport and SigV4 hashing; fetch would add ~12 MB)`],
    ['  + the agent (code, state, timers, sockets)', `${(idleRss - nodeHttpRss).toFixed(1)} MB`],
    ['  of which its verification run leaves', `${(idleRss - quietRss).toFixed(1)} MB after ${verificationRuns} run(s) (the same agent with no verifier: ${quietRss.toFixed(1)} MB; the run computes in a child process, the agent keeps child_process and the run's code)`],
    ['  saved by the launcher (CommonJS, flags)', `${(plainRss - quietRss).toFixed(1)} MB (no verifier, started by hand as \`node gpuhive-agent.mjs run\`: ${plainRss.toFixed(1)} MB)`],
    ['  not here: node:https (TLS), loaded at the first HTTPS request', `+${(nodeHttpsRss - nodeHttpRss).toFixed(1)} MB where the API or the queue is HTTPS (production)`],
    ['idle CPU', `${idleCpu.toFixed(3)}% of one core (target < 0.5%), load average ${idleLoad}`],
    [`pick-up, queued -> received (${fromPlaced.length} jobs)`, `p50 ${percentile(fromPlaced, 50)} ms, max ${fromPlaced.at(-1)} ms (target < 1,000 ms)`],
    ['pick-up, submit returned -> received', `p50 ${percentile(fromSubmit, 50)} ms, max ${fromSubmit.at(-1)} ms (includes the hold and placement); load average ${loadAverage()}`],
  ]);
} finally {
  quiet?.kill('SIGTERM');
  plain?.kill('SIGTERM');
  agent?.kill('SIGTERM');
  await new Promise((resolve) => (agent && agent.exitCode === null ? agent.once('exit', resolve) : resolve(undefined)));
  await runtime.stop();
}
