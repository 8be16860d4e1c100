import { z } from 'zod';
import { Challenge, heartbeatResponseFields, maintenanceWindowFields, MeasuredGpu, QueueCredentials, RegisterResponse, VerificationStepResult } from '#contract/agent.ts';
import { usdText } from '#platform/money.ts';
import { RUNTIMES } from '../domain/host.ts';
import { MAINTENANCE_CATEGORIES } from '../domain/maintenance.ts';

/** What the registry's routes answer, as `mappers.ts` and the use cases build it; the OpenAPI spec is generated from these. */
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
const measuredGpu = MeasuredGpu;

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

export const RegisteredHostResponse = RegisterResponse;
export const ChallengeResponse = Challenge;
export const VerificationStepResponse = VerificationStepResult;

export const HeartbeatResponse = z.object({
  ...heartbeatResponseFields,
  maintenance: z
    .array(z.object({ ...maintenanceWindowFields, category: z.enum(MAINTENANCE_CATEGORIES) }))
    .meta({ description: "The provider's maintenance windows not yet ended, soonest first." }),
});

export { SignOffResponse } from '#contract/agent.ts';

export const QueueCredentialsResponse = QueueCredentials;

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
