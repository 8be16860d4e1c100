import { formatUsd, microUsd } from '#platform/money.ts';
import { isFinal, isInteractive, type Job } from '../domain/job.ts';
import { endpointOf } from '../domain/ports.ts';
import type { JobTemplate } from '../domain/template.ts';
import type { GpuModel } from '../use-cases/gpu-models.ts';
import type { Offer } from '../use-cases/offers.ts';

/**
 * Where the renter reaches a job: each declared port of each running assignment. An ended
 * assignment's endpoints are gone at once (its host ports may already serve someone else).
 */
export const endpointsOf = (job: Job) =>
  job.assignments
    .filter((assignment) => assignment.state === 'running' && assignment.publicAddress)
    .flatMap((assignment) =>
      (assignment.ports ?? []).map((port) => ({
        assignmentId: assignment.assignmentId,
        rank: assignment.rank,
        name: port.name ?? null,
        containerPort: port.containerPort,
        protocol: port.protocol,
        hostPort: port.hostPort,
        ...endpointOf(assignment.publicAddress as string, port),
        ready: assignment.readyPorts?.includes(port.hostPort) ?? false,
      })),
    );

export const jobView = (job: Job) => ({
  jobId: job.jobId,
  name: job.spec.name ?? null,
  status: job.status,
  statusReason: job.statusReason,
  image: job.spec.image ?? null,
  command: job.spec.command ?? null,
  gpu: job.spec.gpu,
  hosts: job.spec.hosts,
  regions: job.spec.regions ?? null,
  maxPricePerGpuHour: formatUsd(job.spec.maxPricePerGpuHour),
  maxDurationSeconds: job.spec.maxDurationSeconds,
  restartPolicy: job.spec.restartPolicy,
  service: job.spec.service ? { serviceId: job.spec.service.serviceId, replica: job.spec.service.replica } : null,
  tier: job.spec.tier ?? 'on-demand',
  bidPerGpuHour: job.spec.bidPerGpuHour !== undefined ? formatUsd(job.spec.bidPerGpuHour) : null,
  preemptions: job.preemptions ?? 0,
  ports: job.spec.ports ?? [],
  sshKeys: job.spec.sshKeys ?? [],
  template: job.spec.template ?? null,
  // This view is answered to the job's owner only (GET /v1/jobs, /v1/jobs/{jobId}).
  secrets: Object.fromEntries((job.spec.secretEnv ?? []).map((name) => [name, job.spec.env[name] ?? ''])),
  interactive: isInteractive(job.spec),
  endpoints: endpointsOf(job),
  verified: job.spec.verified ?? false,
  minScore: job.spec.minScore ?? null,
  // Billing releases what is left of the hold when the job ends: an ended job holds nothing.
  hold: formatUsd(isFinal(job.status) ? microUsd(0) : job.holdAmount),
  assignments: job.assignments.map((assignment) => ({
    assignmentId: assignment.assignmentId,
    hostId: assignment.hostId,
    rank: assignment.rank,
    gpus: { count: assignment.gpuIndices.length, model: assignment.gpuModel, indices: assignment.gpuIndices },
    pricePerGpuHour: formatUsd(assignment.pricePerGpuHour),
    state: assignment.state,
    exitCode: assignment.exitCode ?? null,
    startedAt: assignment.startedAt ?? null,
    endedAt: assignment.endedAt ?? null,
  })),
  cost: formatUsd(job.cost),
  createdAt: job.createdAt,
  startedAt: job.startedAt ?? null,
  endedAt: job.endedAt ?? null,
});

export const templateView = (template: JobTemplate) => ({
  name: template.name,
  version: template.version,
  title: template.title,
  description: template.description,
  image: template.image,
  command: template.command ?? null,
  ports: template.ports,
  env: Object.entries(template.env).map(([name, entry]) => ({
    name,
    description: entry.description,
    required: entry.required ?? false,
    generated: entry.generate !== undefined,
    default: entry.value ?? null,
  })),
  gpu: template.gpu,
  maxDurationSeconds: template.maxDurationSeconds,
});

export const offerView = (offer: Offer) => ({
  ...offer,
  pricePerGpuHour: formatUsd(offer.pricePerGpuHour),
  minBidPerGpuHour: offer.minBidPerGpuHour === null ? null : formatUsd(offer.minBidPerGpuHour),
  lowestRunningBidPerGpuHour: offer.lowestRunningBidPerGpuHour === null ? null : formatUsd(offer.lowestRunningBidPerGpuHour),
  // Rounded to the micro-dollar: a price per score unit is for comparing offers, not for charging.
  usdPerScore: offer.score ? formatUsd(microUsd(Math.round(offer.pricePerGpuHour / offer.score))) : null,
});

export const gpuModelView = (model: GpuModel) => ({
  ...model,
  lowestPricePerGpuHour: model.lowestPricePerGpuHour === null ? null : formatUsd(model.lowestPricePerGpuHour),
});
