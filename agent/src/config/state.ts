import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { chmodSync, existsSync, statSync } from 'node:fs';
import type { GpuFact, MaintenanceWindow, QueuePollHealth, Runtime } from '#agent/api/types.ts';
import { ensurePrivateDir, readJsonFile, writeJsonFile, PRIVATE_FILE } from '#agent/core/files.ts';

/** `/var/lib/gpuhive-agent` as root, `~/.gpuhive-agent` otherwise. */
export const defaultStateDir = (): string =>
  process.getuid?.() === 0 ? '/var/lib/gpuhive-agent' : join(homedir(), '.gpuhive-agent');

export const resolveStateDir = (given: string | undefined): string => resolve(given ?? process.env.GPUHIVE_AGENT_STATE_DIR ?? defaultStateDir());

/** Every file the agent keeps, under one directory (0700; files 0600). */
export const statePaths = (dir: string) => ({
  dir,
  state: join(dir, 'state.json'),
  assignments: join(dir, 'assignments.json'),
  outbox: join(dir, 'outbox.jsonl'),
  heartbeat: join(dir, 'last-heartbeat.json'),
  pid: join(dir, 'agent.pid'),
  jobs: join(dir, 'jobs'),
});
export type StatePaths = ReturnType<typeof statePaths>;

/** What `register` learned and chose; `run` needs nothing else. Holds the agent token. */
export interface AgentState {
  readonly version: 1;
  readonly apiUrl: string;
  readonly hostId: string;
  readonly agentToken: string;
  readonly heartbeatIntervalSeconds: number;
  readonly region: string;
  readonly pricePerGpuHour: string;
  readonly publicAddress?: string;
  /** The public port range registered for jobs' ports. */
  readonly portRange?: { readonly from: number; readonly to: number };
  readonly allowProcessJobs: boolean;
  /** Set when the GPUs are simulated (`--simulate-gpus`). */
  readonly simulateGpus?: string;
  readonly gpus: readonly GpuFact[];
  readonly runtimes: readonly Runtime[];
  readonly cpuCores: number;
  readonly memoryMb: number;
  readonly registeredAt: string;
}

export const loadState = (paths: StatePaths): AgentState | undefined => readJsonFile<AgentState>(paths.state);

export const saveState = (paths: StatePaths, state: AgentState): void => {
  ensurePrivateDir(paths.dir);
  writeJsonFile(paths.state, state);
  chmodSync(paths.state, PRIVATE_FILE);
};

/** Permission bits of a file, e.g. 0o600; undefined when it does not exist. */
export const modeOf = (path: string): number | undefined => (existsSync(path) ? statSync(path).mode & 0o777 : undefined);

export interface LastHeartbeat {
  readonly at: string;
  readonly ok: boolean;
  readonly status?: string;
  readonly statusReason?: string | null;
  readonly listed?: boolean;
  readonly acceptsWork?: boolean;
  readonly error?: string;
  /** Set while the queue poll keeps failing: assignments cannot reach the host. */
  readonly queuePoll?: QueuePollHealth;
  /** The host's maintenance windows the platform last listed. */
  readonly maintenance?: readonly MaintenanceWindow[];
}
