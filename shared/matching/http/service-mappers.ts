import { formatUsd } from '#platform/money.ts';
import { servingAssignment } from '../domain/service-reconcile.ts';
import type { Service } from '../domain/service.ts';
import { endpointOf } from '../domain/ports.ts';
import type { ServiceDetail } from '../use-cases/services.ts';

/** What GET /v1/services lists: the service as configured, and how many replicas serve now. */
export const serviceSummaryView = (service: Service) => ({
  serviceId: service.serviceId,
  name: service.name,
  status: service.status,
  statusReason: service.statusReason,
  replicas: service.replicas,
  readyReplicas: service.endpoints.length,
  image: service.spec.image ?? null,
  command: service.spec.command ?? null,
  template: service.spec.template ?? null,
  ports: service.spec.ports,
  gpu: service.spec.gpu,
  regions: service.spec.regions ?? null,
  spread: service.spread ?? null,
  maxPricePerGpuHour: formatUsd(service.spec.maxPricePerGpuHour),
  tier: service.spec.tier ?? 'on-demand',
  bidPerGpuHour: service.spec.bidPerGpuHour !== undefined ? formatUsd(service.spec.bidPerGpuHour) : null,
  healthCheck: service.spec.healthCheck,
  revision: service.specRevision,
  createdAt: service.createdAt,
  updatedAt: service.updatedAt,
});

/** GET /v1/services/{id}: with each replica's job, host, endpoint, state and last health result, and the cost. */
export const serviceView = ({ service, replicas, cost, costPerHour }: ServiceDetail) => ({
  ...serviceSummaryView(service),
  replicaJobs: replicas.map(({ replica, jobId, state, job, specRevision, failures }) => {
    const assignment = servingAssignment(job) ?? job?.assignments.at(-1);
    const port = assignment?.ports?.find((candidate) => candidate.containerPort === service.spec.healthCheck.port);
    const endpoint = assignment?.state === 'running' && assignment.publicAddress && port ? endpointOf(assignment.publicAddress, port) : undefined;
    return {
      replica,
      jobId,
      state,
      jobStatus: job?.status ?? null,
      statusReason: job?.statusReason ?? null,
      revision: specRevision,
      hostId: assignment?.hostId ?? null,
      endpoint: endpoint ? { address: endpoint.address, url: endpoint.url ?? `http://${endpoint.address}` } : null,
      health: assignment?.health ?? null,
      failures,
    };
  }),
  cost: formatUsd(cost),
  costPerHour: formatUsd(costPerHour),
});

/** The ETag of a service's endpoint set: its version, quoted. */
export const endpointsEtag = (service: Service): string => `"${service.serviceId}.${service.endpointsVersion}"`;

export const endpointsView = (service: Service) => ({ serviceId: service.serviceId, version: service.endpointsVersion, endpoints: service.endpoints });
