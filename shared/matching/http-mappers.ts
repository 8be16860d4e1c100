import { formatUsd, microUsd } from '#platform/money.ts';
import { isFinal, type Job } from './domain/job.ts';
import type { GpuModel } from './use-cases/gpu-models.ts';
import type { Offer } from './use-cases/offers.ts';

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

export const offerView = (offer: Offer) => ({
  ...offer,
  pricePerGpuHour: formatUsd(offer.pricePerGpuHour),
  // Rounded to the micro-dollar: a price per score unit is for comparing offers, not for charging.
  usdPerScore: offer.score ? formatUsd(microUsd(Math.round(offer.pricePerGpuHour / offer.score))) : null,
});

export const gpuModelView = (model: GpuModel) => ({
  ...model,
  lowestPricePerGpuHour: model.lowestPricePerGpuHour === null ? null : formatUsd(model.lowestPricePerGpuHour),
});
