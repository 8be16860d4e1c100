// Over 300 lines on purpose: the agent's whole wire (requests, answers, host-queue messages) in one module, so a protocol change is one diff both sides see.
import { z } from 'zod';
import { multilineText, plainText } from './text.ts';

/**
 * The wire contract between the platform and its agents (API.md, "Agent"): the bodies the
 * agent sends, the answers it reads, and the messages on its host queue. One definition:
 * the backend's HTTP layer validates with these schemas (registry, matching and metering
 * `http/schemas.ts`, and the responses the OpenAPI document is generated from), matching
 * builds the assignment message to this type, and the agent takes the TypeScript types.
 *
 * Why here and why zod only: the agent is one small file on providers' machines. It imports
 * from this module with `import type` only, so neither zod nor any backend code enters its
 * bundle (test/unit/agent/bundle.test.ts checks it); the backend, which validates with zod
 * anyway, imports the schemas. So this module imports nothing but zod and `./text.ts`.
 *
 * One file of about 350 lines rather than one per route: the whole of what crosses the wire
 * between the platform and an agent is read in one place, in the order of an agent's life.
 *
 * Each schema and its type share a name: a request's type is what the agent sends
 * (`z.input`), a response's or a message's what it reads (`z.output`). Agents may be newer
 * than the server: request objects ignore unknown fields unless they say otherwise.
 */

/** The types are read-only all the way down: what crosses the wire is not changed in place. */
export type Wire<T> = T extends (infer U)[] ? readonly Wire<U>[] : T extends object ? { readonly [K in keyof T]: Wire<T[K]> } : T;

const time = z.iso.datetime();
const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

// ---- registration ------------------------------------------------------------------------

/** How a host runs jobs: containers, or plain processes (`--allow-process-jobs`). */
export const AGENT_RUNTIMES = ['docker', 'process'] as const;
export type Runtime = (typeof AGENT_RUNTIMES)[number];

/** A GPU as the agent detected it (nvidia-smi). */
export const GpuFact = z.object({
  name: plainText().trim().min(1).max(100),
  vramMb: z.number().int().min(1024, 'must be at least 1024 MB').max(1_048_576, 'must be at most 1048576 MB'),
  uuid: plainText().trim().min(1).max(100),
  index: z.number().int().min(0).max(63),
});
export type GpuFact = Wire<z.input<typeof GpuFact>>;

/** Regions are free text in one documented shape ("eu-west", "us-east-2", "ap-tokyo"). */
export const regionField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9-]{1,31}$/, 'must be a region name of lower-case letters, digits and dashes, such as "eu-west"');

/** The public TCP ports the provider's firewall forwards to this host, for jobs' declared ports. */
export const portRangeField = z
  .strictObject({
    from: z.number().int().min(1024, 'must be 1024 or more').max(65535, 'must be at most 65535'),
    to: z.number().int().min(1024, 'must be 1024 or more').max(65535, 'must be at most 65535'),
  })
  .refine((range) => range.from <= range.to, { message: 'from must not be above to', path: ['to'] })
  .refine((range) => range.to - range.from < 10_000, { message: 'at most 10000 ports', path: ['to'] });

export const publicAddressField = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');

/**
 * An agent token the agent made itself, sent with its registration: a registration sent again
 * with the same registration token and this token (its answer was lost: a timeout, a 503 after
 * the host was stored) gets the same host back rather than a 401 for a used token. Only the
 * one who made the token can replay, and it already holds what the answer gives.
 */
export const agentTokenField = z
  .string()
  .regex(/^gpuhive_agent_[A-Za-z0-9_-]{43}$/, 'must be gpuhive_agent_ followed by 32 random bytes in base64url')
  .meta({ description: 'Optional: the agent token this host will use, made by the agent (gpuhive_agent_ and 32 random bytes in base64url). A registration sent again with the same registrationToken and agentToken answers the same host.' });

/**
 * POST /v1/agent/register, field by field. `pricePerGpuHour` is a USD decimal string here;
 * the registry swaps in its money field, which also reads it into micro-USD.
 */
export const registerRequestFields = {
  registrationToken: z.string().min(1).max(200),
  hostname: plainText().trim().min(1).max(253),
  region: regionField,
  pricePerGpuHour: z.string(),
  gpus: z
    .array(GpuFact)
    .min(1, 'must list at least one GPU')
    .max(16)
    .refine((gpus) => unique(gpus.map((gpu) => gpu.index)), 'GPU indices must be unique')
    .refine((gpus) => unique(gpus.map((gpu) => gpu.uuid)), 'GPU UUIDs must be unique'),
  cpuCores: z.number().int().min(1).max(4096),
  memoryMb: z.number().int().min(1024).max(64 * 1024 * 1024),
  diskGb: z.number().int().min(1).max(10_000_000),
  runtimes: z.array(z.enum(AGENT_RUNTIMES)).min(1, 'must offer at least one runtime'),
  driverVersion: plainText().trim().max(50).optional(),
  cudaVersion: plainText().trim().max(50).optional(),
  bandwidthMbps: z.number().positive().max(1_000_000).optional(),
  publicAddress: publicAddressField.optional(),
  portRange: portRangeField.optional(),
  simulated: z.boolean().optional(),
  /** The lowest bid for idle GPUs (interruptible work), a USD decimal string; absent: half the price. */
  minBidPerGpuHour: z.string().optional(),
  agentToken: agentTokenField.optional(),
};

/** A port range is only useful where renters can reach the host. */
export const portRangeNeedsAddress = <T extends { portRange?: unknown; publicAddress?: unknown }>(facts: T): boolean => !facts.portRange || Boolean(facts.publicAddress);
export const PORT_RANGE_NEEDS_ADDRESS = { message: 'a port range needs a publicAddress', path: ['portRange'] };

export const RegisterRequest = z.object(registerRequestFields).refine(portRangeNeedsAddress, PORT_RANGE_NEEDS_ADDRESS);
export type RegisterRequest = Wire<z.input<typeof RegisterRequest>>;

export const RegisterResponse = z.object({
  hostId: z.string(),
  agentToken: z.string().meta({ description: 'The host-scoped agent token, shown only in this response.' }),
  heartbeatIntervalSeconds: z.int(),
});
export type RegisterResponse = Wire<z.output<typeof RegisterResponse>>;

// ---- heartbeat ---------------------------------------------------------------------------

/** Present only while the agent's queue poll keeps failing: no work is placed on the host meanwhile. */
export const QueuePollHealth = z.object({ failingSince: z.iso.datetime(), failures: z.number().int().min(1), error: z.string().trim().min(1).max(500) });
export type QueuePollHealth = Wire<z.input<typeof QueuePollHealth>>;

export const HeartbeatRequest = z.object({
  runningAssignments: z.array(z.string().min(1).max(100)).max(256).default([]),
  draining: z.boolean().optional(),
  gpuUtilization: z.array(z.number().min(0).max(100)).max(64).optional(),
  queuePoll: QueuePollHealth.optional(),
  /** `gpuhive-agent verify`: issue a verification run now (if none is in flight and the host is idle). */
  requestVerification: z.boolean().optional(),
  /** The run id the agent gave up because a renter's assignment arrived. */
  abortedVerification: z.string().min(1).max(64).optional(),
});
export type HeartbeatRequest = Wire<z.input<typeof HeartbeatRequest>>;

export const HOST_STATUSES = ['online', 'unreachable', 'offline'] as const;
const hostStatus = z.enum(HOST_STATUSES);

const gpuChallenge = z.object({
  index: z.int(),
  gemm: z.object({ n: z.int(), k: z.int(), tile: z.int(), seed: z.int() }),
  memory: z.object({ chunks: z.int(), chunkWords: z.int(), seed: z.int(), bytes: z.number() }),
  workFlops: z.number(),
  memoryBytesMoved: z.number(),
});

/** A verification run for the agent to compute while idle (docs/verification.md). */
export const Challenge = z.object({
  runId: z.string(),
  issuedAt: time,
  commitBy: time,
  simulated: z.boolean(),
  precision: z.literal('tf32'),
  gpus: z.array(gpuChallenge),
});
export type Challenge = Wire<z.output<typeof Challenge>>;

/** A maintenance window as the heartbeat lists it; the registry's answer narrows `category` to its list. */
export const maintenanceWindowFields = { windowId: z.string(), startsAt: time, endsAt: time, category: z.string(), note: z.string().optional() };
export type MaintenanceWindow = Wire<z.output<z.ZodObject<typeof maintenanceWindowFields>>>;

export const heartbeatResponseFields = {
  status: hostStatus,
  statusReason: z.string().nullable(),
  listed: z.boolean(),
  acceptsWork: z.boolean(),
  heartbeatIntervalSeconds: z.int(),
  assignments: z.array(z.string()).meta({ description: 'Assignments the platform holds live on this host.' }),
  maintenance: z.array(z.object(maintenanceWindowFields)).meta({ description: "The provider's maintenance windows not yet ended, soonest first." }),
  verification: Challenge.optional().meta({ description: 'A verification run for the agent to start while idle (docs/verification.md).' }),
};
/** Older APIs leave out `acceptsWork` and `maintenance`: the agent reads them as optional. */
export const HeartbeatResponse = z.object(heartbeatResponseFields).partial({ acceptsWork: true, maintenance: true });
export type HeartbeatResponse = Wire<z.output<typeof HeartbeatResponse>>;

export const SignOffResponse = z.object({ status: hostStatus, statusReason: z.string().nullable() });
export type SignOffResponse = Wire<z.output<typeof SignOffResponse>>;

// ---- the host queue ----------------------------------------------------------------------

/** GET /v1/agent/queue-credentials: the host's own queue, with credentials scoped to it. */
export const QueueCredentials = z.object({
  queueUrl: z.string(),
  region: z.string(),
  endpoint: z.string().optional(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string() }),
  expiresAt: time,
});
export type QueueCredentials = Wire<z.output<typeof QueueCredentials>>;

/** A job's port: the most one job declares. */
export const MAX_JOB_PORTS = 8;

/** A port the job listens on (`containerPort`) and the public host port placement gave it. */
export const AssignedPort = z.object({ name: z.string().optional(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']), hostPort: z.int() });
export type AssignedPort = Wire<z.output<typeof AssignedPort>>;

export const Peer = z.object({ rank: z.int(), hostId: z.string(), address: z.string().optional() });
export type Peer = Wire<z.output<typeof Peer>>;

/** A service replica's health check: a GET of `path` on `hostPort` from the host. */
export const ReplicaHealthCheck = z.object({
  path: z.string(),
  hostPort: z.int(),
  intervalSeconds: z.number(),
  timeoutSeconds: z.number(),
  failureThreshold: z.int(),
  startupGraceSeconds: z.number(),
});
export type ReplicaHealthCheck = Wire<z.output<typeof ReplicaHealthCheck>>;

/** The queue message that gives a host its part of a job; matching builds it, the agent runs it. */
export const AssignmentMessage = z.object({
  type: z.literal('assignment'),
  assignmentId: z.string(),
  jobId: z.string(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()),
  gpuIndices: z.array(z.int()),
  maxDurationSeconds: z.int(),
  stopGraceSeconds: z.int().optional().meta({
    description: 'At the max duration (counted from the agent\'s start) the agent sends SIGTERM and, this long after, SIGKILL; nothing after that is billed.',
  }),
  rank: z.int(),
  worldSize: z.int(),
  peers: z.array(Peer),
  ports: z.array(AssignedPort).optional().meta({ description: 'Declared ports and the host ports reserved for them: Docker publishes exactly these.' }),
  sshKeys: z.array(z.string()).optional().meta({ description: 'OpenSSH public keys: `PUBLIC_KEY` and a read-only authorized_keys file in the job.' }),
  secretEnv: z.array(z.string()).optional().meta({ description: "Env names whose values are the owner's generated secrets: the agent keeps them out of the logs." }),
  healthCheck: ReplicaHealthCheck.optional().meta({ description: 'A service replica: the HTTP check the agent runs against its host port and reports (docs/services.md).' }),
});
export type AssignmentMessage = Wire<z.output<typeof AssignmentMessage>>;

/** Stop an assignment: by `deadline` (the lease's billable end) at the latest. */
export const CancelMessage = z.object({
  type: z.literal('cancel'),
  assignmentId: z.string(),
  jobId: z.string(),
  reason: z.string(),
  deadline: time.optional(),
  /** The grace itself, for an agent whose clock disagrees with the platform's. */
  graceSeconds: z.number().optional(),
});
export type CancelMessage = Wire<z.output<typeof CancelMessage>>;

export const HostMessage = z.discriminatedUnion('type', [AssignmentMessage, CancelMessage]);
export type HostMessage = Wire<z.output<typeof HostMessage>>;

export const ASSIGNMENT_STATES = ['offered', 'accepted', 'running', 'stopping', 'exited', 'failed', 'stopped', 'withdrawn', 'lost'] as const;
const assignmentState = z.enum(ASSIGNMENT_STATES);

/** GET /v1/agent/assignments/{assignmentId}: reconciling fetches what the queue did not bring. */
export const AssignmentView = z.object({
  assignmentId: z.string(),
  jobId: z.string().optional(),
  state: assignmentState,
  live: z.boolean(),
  message: AssignmentMessage.optional().meta({ description: 'Present while the assignment is live.' }),
});
export type AssignmentView = Wire<z.output<typeof AssignmentView>>;

// ---- what the agent reports --------------------------------------------------------------

/** `health`: a service replica's health check changed state (docs/services.md). */
export const AGENT_EVENT_TYPES = ['accepted', 'started', 'exited', 'failed', 'stopped', 'health'] as const;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];

/** POST /v1/agent/assignments/{assignmentId}/events. */
export const AgentEvent = z.object({
  type: z.enum(AGENT_EVENT_TYPES),
  at: z.iso.datetime({ offset: true }).optional(),
  exitCode: z.number().int().min(-255).max(255).optional(),
  message: multilineText().max(2000).optional(),
  /** Host ports the agent has seen accept connections (jobs with ports). */
  readyPorts: z.array(z.number().int().min(1).max(65535)).max(MAX_JOB_PORTS).optional(),
  /** With `health`: the check's state, failures in a row, and the last answer's status code. */
  health: z
    .object({
      state: z.enum(['healthy', 'failing', 'unhealthy']),
      failures: z.number().int().min(0).max(1_000_000),
      statusCode: z.number().int().min(100).max(599).optional(),
      message: multilineText().max(500).optional(),
    })
    .optional(),
}).superRefine((event, ctx) => {
  if (event.type === 'health' && !event.health) ctx.addIssue({ code: 'custom', path: ['health'], message: 'required with type health' });
});
export type AgentEvent = Wire<z.input<typeof AgentEvent>>;

export const AgentEventResponse = z.object({ assignmentId: z.string(), state: assignmentState });

/** The longest interval one record may cover: agents report every minute and at the end. */
export const MAX_RECORD_SECONDS = 24 * 3600;
export const MAX_RECORDS = 100;

/** Ids become parts of keys joined by `#`: printable, no spaces, no `#`. */
const keyPart = z.string().min(1).max(128).regex(/^[\x21-\x22\x24-\x7e]+$/, 'must be printable, without spaces or "#"');
const offsetTime = z.iso.datetime({ offset: true }).transform((text) => new Date(text).toISOString());

/** One usage record: GPU-seconds of an assignment over [from, to). */
export const UsageRecord = z
  .strictObject({
    eventId: keyPart,
    assignmentId: keyPart,
    from: offsetTime,
    to: offsetTime,
    gpuSeconds: z.number().nonnegative().finite().max(1e9),
    gpuUtilization: z.number().min(0).max(100).optional(),
  })
  .superRefine((record, ctx) => {
    const wall = Date.parse(record.to) - Date.parse(record.from);
    if (wall <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (wall > MAX_RECORD_SECONDS * 1000) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_RECORD_SECONDS} seconds after from` });
  });
export type UsageRecord = Wire<z.input<typeof UsageRecord>>;

/** POST /v1/agent/usage. */
export const RecordUsageRequest = z.strictObject({ records: z.array(UsageRecord).min(1).max(MAX_RECORDS) });
export type RecordUsageRequest = Wire<z.input<typeof RecordUsageRequest>>;

/** A chunk of a job's output (POST /v1/agent/assignments/{assignmentId}/logs; logs checks its size). */
export interface LogChunk {
  readonly seq: number;
  readonly stream: 'stdout' | 'stderr';
  readonly at: string;
  readonly data: string;
}

// ---- verification ------------------------------------------------------------------------

const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in lower-case hex');
const proof = z.array(hexHash).max(64);

/** POST /v1/agent/verifications/{runId}: one route for both steps (each route is a Lambda, and the stack is near CloudFormation's limit). */
export const VerificationStep = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('commit'),
    gpus: z
      .array(
        z.object({
          index: z.number().int().min(0).max(63),
          uuid: plainText().trim().min(1).max(100),
          name: plainText().trim().max(100).optional(),
          vramMb: z.number().int().min(1).max(1_048_576),
          driverVersion: plainText().trim().max(50).optional(),
          gemmRoot: hexHash,
          gemmSeconds: z.number().positive().max(86_400),
          memoryRoot: hexHash,
          memorySeconds: z.number().positive().max(86_400),
        }),
      )
      .min(1)
      .max(16),
  }),
  z.object({
    step: z.literal('answer'),
    gpus: z
      .array(
        z.object({
          index: z.number().int().min(0).max(63),
          tiles: z.array(z.object({ tile: z.number().int().min(0), values: z.array(z.number().int()).max(1024), proof })).max(64),
          chunks: z.array(z.object({ chunk: z.number().int().min(0), proof })).max(64),
        }),
      )
      .min(1)
      .max(16),
  }),
]);
export type VerificationStep = Wire<z.input<typeof VerificationStep>>;

/** A GPU's measured speed (a passed run, and the host's verification view). */
export const MeasuredGpu = z.object({
  index: z.int(),
  model: z.string(),
  tflops: z.number().meta({ description: 'Measured TF32 GEMM throughput.' }),
  bandwidthGBs: z.number().meta({ description: 'Measured memory bandwidth (fill and read back).' }),
  score: z.number().meta({ description: 'sqrt(TFLOPS x GB/s) / 10: a DLPerf-like figure per GPU.' }),
});

export const VerificationStepResult = z.object({
  runId: z.string(),
  kind: z.enum(['revealed', 'passed', 'failed']),
  reveal: z.array(z.object({ index: z.int(), tiles: z.array(z.int()), vectorSeed: z.int(), chunks: z.array(z.int()) })).optional(),
  answerBy: time.optional(),
  score: z.number().optional(),
  gpus: z.array(MeasuredGpu).optional(),
  reason: z.string().optional(),
});
export type VerificationStepResult = Wire<z.output<typeof VerificationStepResult>>;
