import { z } from 'zod';
import { usdText } from '#platform/money.ts';
import { RUNTIMES } from './domain/host.ts';
import { MAINTENANCE_CATEGORIES } from './domain/maintenance.ts';

/** What the registry's routes answer, as `http-mappers.ts` and the use cases build it; the OpenAPI spec is generated from these. */
const time = z.iso.datetime();
const hostStatus = z.enum(['online', 'unreachable', 'offline']);

export const RegistrationTokenResponse = z.object({
  token: z.string().meta({ description: 'One use; give it to the agent.' }),
  expiresAt: time,
});

export const MaintenanceWindowResponse = z.object({
  windowId: z.string(),
  hostId: z.string(),
  startsAt: time,
  endsAt: time,
  durationSeconds: z.int(),
  category: z.enum(MAINTENANCE_CATEGORIES),
  note: z.string().nullable(),
  state: z.enum(['scheduled', 'in_progress', 'ended']),
  announcedAt: time,
  excusesDowntime: z.boolean().meta({
    description: 'Announced at least the notice (default 24 h) before it starts: time offline inside it does not lower reliability.',
  }),
});

export const MaintenanceWindowListResponse = z.object({ items: z.array(MaintenanceWindowResponse) });
const measuredGpu = z.object({
  index: z.int(),
  model: z.string(),
  tflops: z.number().meta({ description: 'Measured TF32 GEMM throughput.' }),
  bandwidthGBs: z.number().meta({ description: 'Measured memory bandwidth (fill and read back).' }),
  score: z.number().meta({ description: 'sqrt(TFLOPS x GB/s) / 10: a DLPerf-like figure per GPU.' }),
});

export const VerificationView = z.object({
  state: z.enum(['unverified', 'verified', 'failed', 'expired']),
  since: time.nullable(),
  verifiedAt: time.nullable(),
  score: z.number().nullable().meta({ description: "The host's score: its weakest GPU's." }),
  gpus: z.array(measuredGpu),
  reason: z.string().nullable().meta({ description: 'Why the last run failed, for the provider to act on.' }),
  nextRunAt: time.nullable(),
  inFlight: z.object({ runId: z.string(), issuedAt: time, commitBy: time, committedAt: time.nullable() }).nullable(),
  runs: z.array(
    z.object({
      runId: z.string(),
      issuedAt: time,
      endedAt: time,
      outcome: z.enum(['passed', 'failed', 'aborted', 'missed']),
      reason: z.string().nullable(),
      score: z.number().nullable(),
    }),
  ).meta({ description: "The host's latest verification runs, oldest first: its verification timeline." }),
});

export const HostResponse = z.object({
  hostId: z.string(),
  hostname: z.string(),
  status: hostStatus,
  listed: z.boolean().meta({ description: "The provider's setting (PATCH): whether to offer the host when it can take work." }),
  acceptsWork: z.boolean().meta({ description: 'Offered to renters now: online, listed, not draining; statusReason says why not.' }),
  draining: z.boolean(),
  statusReason: z.string().nullable(),
  gpus: z.array(z.object({ index: z.int(), model: z.string(), name: z.string(), vramMb: z.int(), uuid: z.string() })),
  pricePerGpuHour: usdText,
  minBidPerGpuHour: usdText.meta({ description: 'The lowest bid interruptible work must offer here (default half the price; 0.000000: none taken).' }),
  region: z.string(),
  runtimes: z.array(z.enum(RUNTIMES)),
  cpuCores: z.int(),
  memoryMb: z.int(),
  diskGb: z.int(),
  publicAddress: z.string().nullable(),
  portRange: z.object({ from: z.int(), to: z.int() }).nullable().meta({ description: 'Public ports forwarded to the host for jobs with ports.' }),
  simulated: z.boolean(),
  registeredAt: time,
  lastHeartbeatAt: time,
  lastAssignedAt: time.nullable(),
  reliability: z.number().min(0).max(1),
  maintenance: z.array(MaintenanceWindowResponse).meta({ description: 'Maintenance windows not yet ended, soonest first.' }),
  verification: VerificationView,
});

export const HostPageResponse = z.object({ items: z.array(HostResponse), nextCursor: z.string().nullable() });

export const RegisteredHostResponse = z.object({
  hostId: z.string(),
  agentToken: z.string().meta({ description: 'The host-scoped agent token, shown only in this response.' }),
  heartbeatIntervalSeconds: z.int(),
});

const gpuChallenge = z.object({
  index: z.int(),
  gemm: z.object({ n: z.int(), k: z.int(), tile: z.int(), seed: z.int() }),
  memory: z.object({ chunks: z.int(), chunkWords: z.int(), seed: z.int(), bytes: z.number() }),
  workFlops: z.number(),
  memoryBytesMoved: z.number(),
});

export const ChallengeResponse = z.object({
  runId: z.string(),
  issuedAt: time,
  commitBy: time,
  simulated: z.boolean(),
  precision: z.literal('tf32'),
  gpus: z.array(gpuChallenge),
});

export const VerificationStepResponse = z.object({
  runId: z.string(),
  kind: z.enum(['revealed', 'passed', 'failed']),
  reveal: z.array(z.object({ index: z.int(), tiles: z.array(z.int()), vectorSeed: z.int(), chunks: z.array(z.int()) })).optional(),
  answerBy: time.optional(),
  score: z.number().optional(),
  gpus: z.array(measuredGpu).optional(),
  reason: z.string().optional(),
});

export const HeartbeatResponse = z.object({
  status: hostStatus,
  statusReason: z.string().nullable(),
  listed: z.boolean(),
  acceptsWork: z.boolean(),
  heartbeatIntervalSeconds: z.int(),
  assignments: z.array(z.string()).meta({ description: 'Assignments the platform holds live on this host.' }),
  maintenance: z
    .array(z.object({ windowId: z.string(), startsAt: time, endsAt: time, category: z.enum(MAINTENANCE_CATEGORIES), note: z.string().optional() }))
    .meta({ description: "The provider's maintenance windows not yet ended, soonest first." }),
  verification: ChallengeResponse.optional().meta({ description: 'A verification run for the agent to start while idle (docs/verification.md).' }),
});

export const SignOffResponse = z.object({ status: hostStatus, statusReason: z.string().nullable() });

export const QueueCredentialsResponse = z.object({
  queueUrl: z.string(),
  region: z.string(),
  endpoint: z.string().optional(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string() }),
  expiresAt: time,
});

export const ReceivedAssignmentsResponse = z.object({
  messages: z.array(
    z.object({
      receipt: z.string(),
      message: z.looseObject({ type: z.enum(['assignment', 'cancel']), assignmentId: z.string(), jobId: z.string() }).meta({
        description: 'An assignment (with image, command, env, gpuIndices, rank, peers) or a cancel, as the host queue carries it.',
      }),
    }),
  ),
});

export const AckAssignmentsResponse = z.object({ acknowledged: z.int() });
