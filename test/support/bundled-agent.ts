import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_NODE_FLAGS, bundleAgent } from '../../agent/bundle.ts';
import type { AgentProcess } from '#test/agent/support.ts';

let bundle: Promise<string> | undefined;

/**
 * The single-file agent providers install (agent/bundle.ts), built once per test file. Plain
 * Node starts it in a fraction of what `agent/bin` costs (tsx compiling the sources at each
 * spawn: seconds of CPU on a busy machine), and it is what a provider runs.
 */
export const agentBundle = (): Promise<string> => {
  bundle ??= (async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpuhive-agent-bundle-')), 'gpuhive-agent.mjs');
    writeFileSync(file, await bundleAgent());
    return file;
  })();
  return bundle;
};

const spawnBundled = async (args: readonly string[]) =>
  spawn(process.execPath, [...AGENT_NODE_FLAGS, await agentBundle(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Runs the bundled `gpuhive-agent <args>` to completion. */
export const bundledAgentCommand = async (args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
  const child = await spawnBundled(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
};

/**
 * The bundled `gpuhive-agent run <args>` as a long-lived child, its log lines kept for failure
 * messages. For agents registered with `--no-docker`: a stop leaves nothing to clean up.
 */
export const startBundledAgent = async (args: readonly string[]): Promise<AgentProcess> => {
  const child = await spawnBundled(['run', ...args]);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};
