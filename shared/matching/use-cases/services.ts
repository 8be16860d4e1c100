import { ConflictError, InsufficientFundsError, NotFoundError, ValidationError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import { formatUsd, microUsd, type MicroUsd } from '#platform/money.ts';
import type { Page } from '#platform/pagination.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { holdAmountFor, isFinal, type Job } from '../domain/job.ts';
import { holdMarginSeconds } from '../domain/lease-deadline.ts';
import { replicaJobSpec } from '../domain/replica-job.ts';
import { REPLICA_MAX_DURATION_SECONDS, type Service, type ServiceSpec } from '../domain/service.ts';
import { replicaState, servingAssignment, type HostStatus, type ReplicaState } from '../domain/service-reconcile.ts';
import type { CreateServiceBody, UpdateServiceBody } from '../http/services.ts';
import type { MatchingDeps } from './deps.ts';
import { requireKnownModels } from './gpu-models.ts';
import { jobSpecOf } from './job-spec.ts';
import { reconcileService } from './reconcile-service.ts';

const DEFAULT_HEALTH_TIMEOUT_SECONDS = 5;

const servicesOf = (deps: MatchingDeps) => {
  if (!deps.services) throw new Error('This function was not given the service store');
  return deps.services;
};

/**
 * The spec every replica runs. A template is expanded as for a job (its image, command,
 * ports, env and GPU floor; generated secrets made once, shared by the replicas). The health
 * check goes to one of the service's http ports: the first when it names none.
 */
export const serviceSpecOf = (body: CreateServiceBody, deps: Pick<MatchingDeps, 'templates'>): ServiceSpec => {
  const job = jobSpecOf(
    {
      ...(body.template ? { template: body.template } : {}),
      ...(body.image ? { image: body.image } : {}),
      ...(body.command ? { command: body.command } : {}),
      env: body.env,
      ...(body.gpu ? { gpu: body.gpu } : {}),
      hosts: 1,
      ...(body.regions ? { regions: body.regions } : {}),
      ...(body.maxPricePerGpuHour !== undefined ? { maxPricePerGpuHour: body.maxPricePerGpuHour } : {}),
      ...(body.tier ? { tier: body.tier } : {}),
      ...(body.bidPerGpuHour !== undefined ? { bidPerGpuHour: body.bidPerGpuHour } : {}),
      ...(body.template ? {} : { maxDurationSeconds: REPLICA_MAX_DURATION_SECONDS }),
      restartPolicy: 'never',
      ...(body.ports ? { ports: body.ports } : {}),
    },
    deps,
  );
  const httpPorts = (job.ports ?? []).filter((port) => port.protocol === 'http');
  if (httpPorts.length === 0) throw new ValidationError([{ field: body.template ? 'template' : 'ports', message: 'a service needs at least one http port' }]);
  const port = body.healthCheck.port ?? (httpPorts[0]?.containerPort as number);
  if (!httpPorts.some((candidate) => candidate.containerPort === port)) {
    throw new ValidationError([{ field: 'healthCheck.port', message: `must be one of the service's http container ports (${httpPorts.map((candidate) => candidate.containerPort).join(', ')})` }]);
  }
  return {
    ...(job.image ? { image: job.image } : {}),
    ...(job.command ? { command: job.command } : {}),
    env: job.env,
    ports: job.ports ?? [],
    gpu: job.gpu,
    ...(job.regions ? { regions: job.regions } : {}),
    maxPricePerGpuHour: job.maxPricePerGpuHour,
    ...(job.tier ? { tier: job.tier, ...(job.bidPerGpuHour !== undefined ? { bidPerGpuHour: job.bidPerGpuHour } : {}) } : {}),
    healthCheck: { ...body.healthCheck, port, timeoutSeconds: body.healthCheck.timeoutSeconds ?? Math.min(DEFAULT_HEALTH_TIMEOUT_SECONDS, body.healthCheck.intervalSeconds) },
    ...(job.template ? { template: job.template } : {}),
    ...(job.secretEnv ? { secretEnv: job.secretEnv } : {}),
    ...(body.verified !== undefined ? { verified: body.verified } : {}),
    ...(body.minScore !== undefined ? { minScore: body.minScore, verified: true } : {}),
  };
};

/** What holding every replica for its first hour takes. */
const holdsFor = (service: Service, deps: MatchingDeps): MicroUsd => {
  const margin = holdMarginSeconds(deps.settings.stopGraceSeconds, deps.settings.clockSkewSeconds);
  const perReplica = holdAmountFor(replicaJobSpec(service, { index: 0, generation: 1, jobId: '', specRevision: 1, restartsInPlace: 0, failures: 0 }), margin);
  return microUsd(perReplica * service.replicas);
};

/**
 * Creates a service. Steps: refuse unknown GPU models (400); answer 402 at once when the
 * balance cannot hold every replica's first hour (advisory: each replica job's own hold is
 * the guarantee); write the service once per Idempotency-Key (the same key and body return the
 * same service, another body is a 409); reconcile it, which makes its replica jobs.
 */
export const createService = async (
  renterId: string,
  body: CreateServiceBody,
  idempotency: { key: string; bodyHash: string } | undefined,
  deps: MatchingDeps,
): Promise<{ serviceId: string; status: Service['status'] }> => {
  const spec = serviceSpecOf(body, deps);
  const withDefault = { ...spec, verified: spec.verified ?? deps.settings.requireVerifiedByDefault ?? false };
  await requireKnownModels(spec.gpu.models, deps);
  const now = deps.clock.now();
  const at = now.toISOString();
  const service: Service = {
    serviceId: newId('svc', now),
    renterId,
    name: body.name,
    spec: withDefault,
    specRevision: 1,
    replicas: body.replicas,
    ...(body.spread ? { spread: body.spread } : {}),
    status: 'active',
    statusReason: null,
    slots: [],
    retiring: [],
    jobIds: [],
    endpoints: [],
    endpointsVersion: 0,
    createdAt: at,
    updatedAt: at,
    revision: 0,
  };
  const needed = holdsFor(service, deps);
  const available = await deps.balances.available(renterId);
  if (available < needed) {
    throw new InsufficientFundsError(`${service.replicas} replica(s) need holds of ${formatUsd(needed)} USD (each one hour at the max price); available: ${formatUsd(available)} USD.`);
  }
  const result = await servicesOf(deps).create(service, idempotency);
  if (result.kind === 'replayed') {
    if (!result.sameBody) throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used with another body.');
    const existing = await servicesOf(deps).get(result.serviceId);
    return { serviceId: result.serviceId, status: existing?.status ?? 'active' };
  }
  await reconcileService(service.serviceId, deps);
  return { serviceId: service.serviceId, status: service.status };
};

/** A renter sees only their own services: another renter's is simply not found. */
export const getOwnService = async (renterId: string, serviceId: string, deps: MatchingDeps): Promise<Service> => {
  const service = await servicesOf(deps).get(serviceId);
  if (!service || service.renterId !== renterId) throw new NotFoundError('No such service.');
  return service;
};

export const listServices = (renterId: string, page: { limit: number; cursor?: string }, deps: MatchingDeps): Promise<Page<Service>> =>
  servicesOf(deps).listByRenter(renterId, page);

const change = async (renterId: string, serviceId: string, deps: MatchingDeps, apply: (service: Service, at: string) => Service | undefined): Promise<Service> => {
  const saved = await retryOnConflict<{ service: Service; changed: boolean }>(
    async () => {
      const service = await getOwnService(renterId, serviceId, deps);
      const after = apply(service, deps.clock.now().toISOString());
      if (!after) return { service, changed: false };
      return (await servicesOf(deps).save(service, after, [])) ? { service: after, changed: true } : CONFLICT;
    },
    { attempts: 8, exhausted: () => new ConflictError('busy', 'The service is being changed by another request; try again.') },
  );
  if (!saved.changed) return saved.service;
  await reconcileService(serviceId, deps);
  return (await servicesOf(deps).get(serviceId)) ?? saved.service;
};

/**
 * Scales and/or updates a service. A new image, command or env raises its revision: the
 * reconciler replaces replicas one at a time while all are ready. The same values again change
 * nothing, so a retried PATCH (its first try answered 503 after it was saved) does not roll the
 * replicas twice. A stopped, failing or failed service is a 409.
 */
export const updateService = (renterId: string, serviceId: string, update: UpdateServiceBody, deps: MatchingDeps): Promise<Service> =>
  change(renterId, serviceId, deps, (service, at) => {
    if (service.status !== 'active') throw new ConflictError('service_not_active', `The service is ${service.status}: it can no longer be changed.`);
    const spec: ServiceSpec = {
      ...service.spec,
      ...(update.image !== undefined ? { image: update.image } : {}),
      ...(update.command !== undefined ? { command: update.command } : {}),
      ...(update.env !== undefined ? { env: { ...service.spec.env, ...update.env } } : {}),
    };
    const rolled = (['image', 'command', 'env'] as const).some((field) => JSON.stringify(spec[field]) !== JSON.stringify(service.spec[field]));
    if (!rolled && (update.replicas ?? service.replicas) === service.replicas) return undefined;
    return {
      ...service,
      spec,
      specRevision: service.specRevision + (rolled ? 1 : 0),
      replicas: update.replicas ?? service.replicas,
      // A new revision may succeed where the last crash-looped: every slot is tried again.
      ...(rolled ? { slots: service.slots.map(({ gaveUp: _gaveUp, ...slot }) => ({ ...slot, failures: 0 })), statusReason: null } : {}),
      updatedAt: at,
    };
  });

/** Stops every replica; the service ends `stopped` once their jobs have. Stopping a stopped service changes nothing. */
export const stopService = (renterId: string, serviceId: string, deps: MatchingDeps): Promise<Service> =>
  change(renterId, serviceId, deps, (service, at) =>
    service.status === 'active' ? { ...service, status: 'stopping', stopAs: 'stopped', statusReason: 'stopped by the renter', updatedAt: at } : undefined,
  );

export interface ReplicaDetail {
  readonly replica: number;
  readonly jobId: string;
  readonly state: ReplicaState | 'retiring';
  readonly job: Job | undefined;
  readonly specRevision: number;
  readonly failures: number;
}

export interface ServiceDetail {
  readonly service: Service;
  readonly replicas: readonly ReplicaDetail[];
  readonly cost: MicroUsd;
  readonly costPerHour: MicroUsd;
}

/**
 * A service with each replica's job, state and health, its cost so far (every job it ever
 * made) and what its running replicas cost per hour now.
 */
export const serviceDetail = async (renterId: string, serviceId: string, deps: MatchingDeps): Promise<ServiceDetail> => {
  const service = await getOwnService(renterId, serviceId, deps);
  const jobs = new Map((await Promise.all(service.jobIds.map((jobId) => deps.jobs.get(jobId)))).flatMap((job) => (job ? [[job.jobId, job] as const] : [])));
  const hostIds = [...new Set([...jobs.values()].flatMap((job) => servingAssignment(job)?.hostId ?? []))];
  const statuses = new Map(await Promise.all(hostIds.map(async (hostId) => [hostId, (await deps.capacity.get(hostId))?.status] as const)));
  const hostStatus = (hostId: string): HostStatus => statuses.get(hostId);
  const replicas: ReplicaDetail[] = [
    ...service.slots.map((slot) => ({ replica: slot.index, jobId: slot.jobId, state: replicaState(jobs.get(slot.jobId), hostStatus), job: jobs.get(slot.jobId), specRevision: slot.specRevision, failures: slot.failures })),
    ...service.retiring.map((entry) => ({ replica: entry.index, jobId: entry.jobId, state: 'retiring' as const, job: jobs.get(entry.jobId), specRevision: 0, failures: 0 })),
  ];
  let cost = 0;
  let perHour = 0;
  for (const job of jobs.values()) {
    cost += job.cost;
    const running = servingAssignment(job);
    if (running?.state === 'running' && !isFinal(job.status)) perHour += running.pricePerGpuHour * running.gpuIndices.length;
  }
  return { service, replicas, cost: microUsd(cost), costPerHour: microUsd(perHour) };
};

