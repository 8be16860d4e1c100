import type { AssignmentMessage, CancelMessage, HostMessage } from '#contract/agent.ts';

/**
 * The Agent section of API.md: the types come from the wire contract (shared/contract/agent.ts)
 * that the backend validates with. `import type` only: the contract's zod schemas never enter
 * the agent's bundle (test/unit/agent/bundle.test.ts).
 */
export type {
  AgentEvent,
  AgentEventType,
  AssignedPort,
  AssignmentMessage,
  AssignmentView,
  CancelMessage,
  Challenge,
  GpuFact,
  HeartbeatRequest,
  HeartbeatResponse,
  HostMessage,
  LogChunk,
  MaintenanceWindow,
  Peer,
  QueueCredentials,
  QueuePollHealth,
  RegisterRequest,
  RegisterResponse,
  Runtime,
  UsageRecord,
  VerificationStep,
  VerificationStepResult,
} from '#contract/agent.ts';

/** Checks the shape of a queue message; anything else is logged and deleted. */
export const parseHostMessage = (body: string): HostMessage | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const message = value as Record<string, unknown>;
  if (typeof message.assignmentId !== 'string' || typeof message.jobId !== 'string') return undefined;
  if (message.type === 'cancel') return message as unknown as CancelMessage;
  if (message.type !== 'assignment') return undefined;
  if (!Array.isArray(message.gpuIndices) || typeof message.rank !== 'number' || !Array.isArray(message.peers)) return undefined;
  if (!Array.isArray(message.command) && typeof message.image !== 'string') return undefined;
  return { env: {}, worldSize: 1, maxDurationSeconds: 3600, ...message } as unknown as AssignmentMessage;
};
