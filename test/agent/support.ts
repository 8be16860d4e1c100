import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { AGENT_NODE_FLAGS } from '#agent/core/node-flags.ts';
import { jobNetworkNames, releaseJobNetwork } from '#agent/runner/job-network.ts';
import { sharedAgentBundle } from './shared-bundle.ts';

/** The launcher a clone runs (`npx gpuhive-agent`): tsx compiles the sources at every start. */
export const AGENT_LAUNCHER = fileURLToPath(new URL('../../agent/bin/gpuhive-agent.mjs', import.meta.url));

/**
 * The agent as providers install it: the single-file bundle (agent/bundle.ts) under its `.cjs`
 * name, started with the flags the installer's launcher and systemd unit pass. Built once per
 * run, by the first file that needs it, in the run's folder for it (agent-bundle-setup.ts): a
 * start takes a fraction of the launcher's CPU (no TypeScript to compile), and a test file
 * starts the agent, its status, doctor and drain commands many times.
 */
export const AGENT_BIN = await sharedAgentBundle(inject('agentBundleDir'));
const agentArgs = (args: readonly string[], via: 'bundle' | 'launcher') => (via === 'bundle' ? [...AGENT_NODE_FLAGS, AGENT_BIN, ...args] : [AGENT_LAUNCHER, ...args]);

/** Runs `gpuhive-agent <args>` to completion: the bundle, or the clone's launcher where what it prints for a clone is checked. */
export const agentCommand = (
  args: readonly string[],
  env?: Readonly<Record<string, string>>,
  via: 'bundle' | 'launcher' = 'bundle',
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, agentArgs(args, via), { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/**
 * `gpuhive-agent run ...` as a long-lived child; its log lines are kept for failure messages.
 * Without host verification unless `env` asks for it (GPUHIVE_VERIFY_BACKEND): a new host's first
 * heartbeat brings a run, which on simulated GPUs is a second or more of CPU per GPU that only
 * verification.test.ts looks at.
 */
export const startAgent = (args: readonly string[], env?: Readonly<Record<string, string>>, via: 'bundle' | 'launcher' = 'bundle'): AgentProcess => {
  const child = spawn(process.execPath, agentArgs(['run', ...args], via), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GPUHIVE_VERIFY_BACKEND: 'none', ...env } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      await releaseDockerLeftovers(args);
      return code;
    },
  };
};

/**
 * What an agent killed before its release leaves on this machine (its own job network and
 * iptables chains, named after its state directory), removed as its release would: each test
 * agent has a fresh directory, so they would pile up run after run, and Docker's address pools
 * run out after about 30 networks. Nothing for an agent without the docker runtime.
 */
const releaseDockerLeftovers = async (args: readonly string[]): Promise<void> => {
  const at = args.indexOf('--state-dir');
  const stateDir = at >= 0 ? args[at + 1] : undefined;
  if (!stateDir) return;
  let runtimes: string[] = [];
  try {
    runtimes = (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { runtimes?: string[] }).runtimes ?? [];
  } catch {
    return;
  }
  if (runtimes.includes('docker')) await releaseJobNetwork({ names: jobNetworkNames(stateDir) });
};

/**
 * A TCP proxy between agents and the API that a test can cut (every connection dropped, new
 * ones refused) and restore on the same port: an outage of the API as the agents see it.
 */
export const startCuttableProxy = async (target: { host: string; port: number }) => {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        sockets.add(client);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server!.address();
        if (typeof address === 'object' && address) port = address.port;
        resolve();
      });
    });
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    async cut() {
      await new Promise<void>((resolve) => {
        server?.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
    },
    restore: listen,
    async close() {
      await this.cut();
    },
    /** Where new connections go from now on (the stand-in's port is known only after the proxy's). */
    retarget(next: { host: string; port: number }) {
      target = next;
    },
  };
};
