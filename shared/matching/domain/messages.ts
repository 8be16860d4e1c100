/** The queue messages of API.md, as an agent reads them from its host's queue. */
export interface AssignmentMessage {
  readonly type: 'assignment';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly gpuIndices: readonly number[];
  readonly maxDurationSeconds: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly peers: readonly { readonly rank: number; readonly hostId: string; readonly address?: string }[];
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly assignmentId: string;
  readonly jobId: string;
  readonly reason: string;
}

export interface HostMessage {
  readonly hostId: string;
  readonly message: AssignmentMessage | CancelMessage;
}
