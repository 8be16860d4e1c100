import type { AssignmentMessage, CancelMessage, ReplicaHealthCheck } from '#contract/agent.ts';

/** The queue messages of API.md, as an agent reads them from its host's queue: their shape is the wire contract's. */
export type { AssignmentMessage, CancelMessage, ReplicaHealthCheck };

export interface HostMessage {
  readonly hostId: string;
  readonly message: AssignmentMessage | CancelMessage;
}
