import type { AssignmentMessage } from '#agent/api/types.ts';

export const DEFAULT_MASTER_PORT = '29500';

/**
 * The variables every job gets, on top of the renter's own `env`:
 * - `GPUHIVE_JOB_ID`, `GPUHIVE_ASSIGNMENT_ID`, `GPUHIVE_GPU_COUNT`;
 * - multi-host: `GPUHIVE_RANK`, `GPUHIVE_WORLD_SIZE` (hosts), `GPUHIVE_PEERS` (every
 *   rank's address in rank order, comma-separated), and torchrun's `MASTER_ADDR` (rank 0's
 *   public address), `MASTER_PORT` (the renter's, else 29500), `WORLD_SIZE`, `RANK`
 *   (hosts and this host's rank: pass them to `torchrun --nnodes --node_rank`).
 * - jobs with ports: `GPUHIVE_PORT_<NAME>` (the port's name upper-cased, else its container
 *   port) and `PORT` (the first declared port): the host port a process job binds itself,
 *   the container port an image listens on (Docker maps it to the host port).
 * - jobs with SSH keys: `PUBLIC_KEY` (the keys, one a line), the convention images that
 *   run sshd follow (RunPod's, Vast's).
 * A renter's value never overrides the GPUHIVE_* ones; MASTER_PORT may be chosen.
 */
export const jobEnvironment = (message: AssignmentMessage): Record<string, string> => {
  const peers = [...message.peers].sort((a, b) => a.rank - b.rank);
  const addressOf = (rank: number) => peers.find((peer) => peer.rank === rank)?.address ?? (message.worldSize <= 1 ? '127.0.0.1' : peers.find((peer) => peer.rank === rank)?.hostId ?? '');
  const worldSize = String(message.worldSize);
  const rank = String(message.rank);
  return {
    ...message.env,
    MASTER_PORT: message.env.MASTER_PORT ?? DEFAULT_MASTER_PORT,
    MASTER_ADDR: addressOf(0),
    WORLD_SIZE: worldSize,
    RANK: rank,
    GPUHIVE_JOB_ID: message.jobId,
    GPUHIVE_ASSIGNMENT_ID: message.assignmentId,
    GPUHIVE_GPU_COUNT: String(message.gpuIndices.length),
    GPUHIVE_RANK: rank,
    GPUHIVE_WORLD_SIZE: worldSize,
    GPUHIVE_PEERS: (peers.length > 0 ? peers.map((peer) => addressOf(peer.rank)) : [addressOf(0)]).join(','),
    ...portEnvironment(message),
    ...(message.sshKeys && message.sshKeys.length > 0 ? { PUBLIC_KEY: message.sshKeys.join('\n') } : {}),
  };
};

const portEnvironment = (message: AssignmentMessage): Record<string, string> => {
  const ports = message.ports ?? [];
  if (ports.length === 0) return {};
  const bound = (port: (typeof ports)[number]) => String(message.image ? port.containerPort : port.hostPort);
  const named = ports.map((port) => [`GPUHIVE_PORT_${port.name ? port.name.toUpperCase().replace(/[^A-Z0-9_]/g, '_') : port.containerPort}`, bound(port)]);
  return { ...Object.fromEntries(named), PORT: bound(ports[0] as (typeof ports)[number]) };
};

/** Process jobs see only their GPUs, numbered as the host numbers them. */
export const cudaVisibleDevices = (gpuIndices: readonly number[]): string => gpuIndices.join(',');
