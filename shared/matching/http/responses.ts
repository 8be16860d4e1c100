import { z } from 'zod';
import { ASSIGNMENT_STATES, AssignmentMessage, AssignmentView } from '#contract/agent.ts';
import { usdText } from '#platform/money.ts';
import { JOB_STATUSES } from './schemas.ts';

/** What the matching routes answer, as `mappers.ts` and the use cases build it; the OpenAPI spec is generated from these. */
const time = z.iso.datetime();
const assignmentState = z.enum(ASSIGNMENT_STATES);
const jobStatus = z.enum(JOB_STATUSES);

export const SubmittedJobResponse = z.object({ jobId: z.string(), status: jobStatus });

export const JobResponse = z.object({
  jobId: z.string(),
  name: z.string().nullable(),
  status: jobStatus,
  statusReason: z.string().nullable(),
  image: z.string().nullable(),
  command: z.array(z.string()).nullable(),
  gpu: z.object({ count: z.int(), models: z.array(z.string()).optional(), minVramMb: z.int().optional() }),
  hosts: z.int(),
  regions: z.array(z.string()).nullable(),
  maxPricePerGpuHour: usdText,
  maxDurationSeconds: z.int(),
  restartPolicy: z.enum(['never', 'on-host-loss', 'on-preemption']),
  service: z.object({ serviceId: z.string(), replica: z.int() }).nullable().meta({ description: 'The inference service this job is a replica of (docs/services.md).' }),
  tier: z.enum(['on-demand', 'interruptible']),
  bidPerGpuHour: usdText.nullable().meta({ description: 'Interruptible work: its bid, which is its price (also shown as maxPricePerGpuHour).' }),
  preemptions: z.int().meta({ description: 'Times this interruptible job gave way to other work.' }),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']) })),
  sshKeys: z.array(z.string()).meta({ description: 'The public keys let into the job.' }),
  template: z.object({ name: z.string(), version: z.int() }).nullable().meta({ description: 'The template the job was made from.' }),
  secrets: z.record(z.string(), z.string()).meta({ description: "Values the platform generated for the job (a template's Jupyter token): shown to the job's owner here, and nowhere else." }),
  interactive: z.boolean().meta({ description: 'Ports and no command: the image runs its own entrypoint until cancelled or its max duration.' }),
  endpoints: z
    .array(
      z.object({
        assignmentId: z.string(),
        rank: z.int(),
        name: z.string().nullable(),
        containerPort: z.int(),
        protocol: z.enum(['http', 'tcp']),
        hostPort: z.int(),
        address: z.string().meta({ description: 'publicAddress:hostPort' }),
        url: z.string().nullable().meta({ description: 'http://address for http ports' }),
        ready: z.boolean().meta({ description: 'The agent has seen the port accept connections.' }),
      }),
    )
    .meta({ description: 'Per running assignment and declared port; withdrawn once the assignment ends.' }),
  verified: z.boolean().meta({ description: 'Placed only on verified hosts.' }),
  minScore: z.number().nullable(),
  hold: usdText.meta({ description: 'Held for the job now: its hold while it can run, 0 once it has ended (billing releases the rest).' }),
  assignments: z.array(
    z.object({
      assignmentId: z.string(),
      hostId: z.string(),
      rank: z.int(),
      gpus: z.object({ count: z.int(), model: z.string(), indices: z.array(z.int()) }),
      pricePerGpuHour: usdText,
      state: assignmentState,
      exitCode: z.int().nullable(),
      startedAt: time.nullable(),
      endedAt: time.nullable(),
    }),
  ),
  cost: usdText.meta({ description: 'Charged so far.' }),
  createdAt: time,
  startedAt: time.nullable(),
  endedAt: time.nullable(),
});

export const JobPageResponse = z.object({ items: z.array(JobResponse), nextCursor: z.string().nullable() });

export const TimelineResponse = z.object({
  items: z.array(z.object({ at: time, type: z.string(), message: z.string(), data: z.record(z.string(), z.unknown()).optional() })),
  nextCursor: z.string().nullable(),
});

export const OfferResponse = z.object({
  hostId: z.string(),
  gpuModel: z.string(),
  vramMb: z.int(),
  availableGpus: z.int(),
  pricePerGpuHour: usdText,
  region: z.string(),
  runtimes: z.array(z.enum(['docker', 'process'])),
  reliability: z.number().min(0).max(1),
  multiHost: z.boolean().meta({ description: 'The host registered a publicAddress, so multi-host jobs can use it.' }),
  nextMaintenance: z
    .object({ startsAt: z.iso.datetime(), endsAt: z.iso.datetime() })
    .nullable()
    .meta({ description: "The host's next maintenance window: a job is placed here only if its max duration ends before it starts." }),
  verified: z.boolean().meta({ description: "The host's latest verification passed and has not expired (docs/verification.md)." }),
  score: z.number().nullable().meta({ description: 'The measured score per GPU (the weakest GPU of the host); null when unverified.' }),
  usdPerScore: usdText.nullable().meta({ description: 'pricePerGpuHour / score: what a unit of measured performance costs per hour.' }),
  preemptibleGpus: z.int().meta({ description: 'GPUs of this model held by interruptible work: on-demand work gets them within the preemption grace.' }),
  minBidPerGpuHour: usdText.nullable().meta({ description: "The host's lowest bid for interruptible work; null when it takes none." }),
  lowestRunningBidPerGpuHour: usdText
    .nullable()
    .meta({ description: 'The going interruptible price of this model: the lowest bid running on it anywhere (a higher bid may preempt it after the minimum run); null when none runs.' }),
});

export const OfferPageResponse = z.object({ items: z.array(OfferResponse), nextCursor: z.null() });

export const AssignmentMessageResponse = AssignmentMessage;
export const AgentAssignmentResponse = AssignmentView;
export { AgentEventResponse } from '#contract/agent.ts';

export const GpuModelsResponse = z.object({
  items: z.array(
    z.object({
      model: z.string().meta({ description: 'Canonical model name, as `gpu.models` and `gpuModel` filters use it.' }),
      inCatalogue: z.boolean().meta({ description: 'One of the models the platform knows before any host offers it.' }),
      registered: z.boolean().meta({ description: 'Some host has registered GPUs of this model.' }),
      availableGpus: z.int().meta({ description: 'Free GPUs of this model on hosts that take work now.' }),
      hostsOnOffer: z.int(),
      lowestPricePerGpuHour: usdText.nullable(),
    }),
  ),
});

export const TemplatesResponse = z.object({
  items: z.array(
    z.object({
      name: z.string().meta({ description: 'What `template` on POST /v1/jobs takes.' }),
      version: z.int(),
      title: z.string(),
      description: z.string(),
      image: z.string().meta({ description: 'Pinned by digest.' }),
      command: z.array(z.string()).nullable(),
      ports: z.array(z.object({ name: z.string(), containerPort: z.int(), protocol: z.enum(['http', 'tcp']) })),
      env: z.array(
        z.object({
          name: z.string(),
          description: z.string(),
          required: z.boolean().meta({ description: 'The renter must give it in `env`.' }),
          generated: z.boolean().meta({ description: "Made for each job and shown to its owner only (the job's `secrets`)." }),
          default: z.string().nullable(),
        }),
      ),
      gpu: z.object({ count: z.int(), minVramMb: z.int() }),
      maxDurationSeconds: z.int(),
    }),
  ),
});
