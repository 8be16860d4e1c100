import { currentAssignments, isFinal, isLive, type Assignment, type Job } from './job.ts';
import { endpointOf } from './ports.ts';
import {
  isServiceFinal,
  MAX_REPLICA_FAILURES,
  replicaJobId,
  type ReplicaSlot,
  type RetiringReplica,
  type Service,
  type ServiceEndpoint,
} from './service.ts';

/** What matching's projection says of a host: the endpoint list drops a replica whose host stopped answering at once. */
export type HostStatus = 'online' | 'unreachable' | 'offline' | undefined;

export type ReplicaState = 'pending' | 'queued' | 'starting' | 'ready' | 'unhealthy' | 'unreachable' | 'ended';

/** The replica's running assignment, if any. */
export const servingAssignment = (job: Job | undefined): Assignment | undefined =>
  job ? currentAssignments(job).find((assignment) => isLive(assignment) && assignment.state !== 'stopping') : undefined;

/**
 * Where a replica job stands. Ready means serving: running, its host answering heartbeats,
 * and its last health check passed (the agent checks only after the job started).
 */
export const replicaState = (job: Job | undefined, hostStatus: (hostId: string) => HostStatus): ReplicaState => {
  if (!job) return 'pending';
  if (isFinal(job.status)) return 'ended';
  if (job.status === 'queued') return 'queued';
  const assignment = servingAssignment(job);
  if (!assignment) return 'starting';
  const status = hostStatus(assignment.hostId);
  if (status === 'unreachable' || status === 'offline') return 'unreachable';
  if (assignment.state !== 'running') return 'starting';
  if (assignment.health?.state === 'unhealthy') return 'unhealthy';
  return assignment.health?.state === 'healthy' ? 'ready' : 'starting';
};

export interface StopOrder {
  readonly jobId: string;
  readonly reason: string;
}

export interface ServicePlan {
  readonly service: Service;
  /** Slots whose job does not exist yet: made with their deterministic id (a second try finds it made). */
  readonly create: readonly ReplicaSlot[];
  readonly stop: readonly StopOrder[];
  readonly endpointsChanged: boolean;
}

/** The host a replica job last ran on, if it was placed at all. */
const lastHostOf = (job: Job | undefined): Assignment | undefined => (job ? job.assignments.at(-1) : undefined);

const endpointOfReplica = (service: Service, index: number, job: Job): ServiceEndpoint | undefined => {
  const assignment = servingAssignment(job);
  const port = assignment?.ports?.find((candidate) => candidate.containerPort === service.spec.healthCheck.port);
  if (!assignment?.publicAddress || !port) return undefined;
  const { address, url } = endpointOf(assignment.publicAddress, port);
  return { replica: index, jobId: job.jobId, assignmentId: assignment.assignmentId, hostId: assignment.hostId, region: assignment.region, address, url: url ?? `http://${address}` };
};

const MAX_EXCLUDED_HOSTS = 8;

/**
 * One reconciliation of a service, pure: compares the replicas it wants with the jobs it has
 * and says what to change. Per slot: a missing one is made (scale up); one past `replicas` is
 * stopped (scale down); an ended job is replaced on another host, up to MAX_REPLICA_FAILURES
 * in a row without being ready (then the slot gives up and the service says why); an
 * unhealthy one is restarted on its host once, then replaced elsewhere; one whose host stopped
 * answering is replaced at once and kept until the replacement is ready (it may come back).
 * A rolling update replaces one outdated replica at a time, and only while every replica is
 * ready, so at least `replicas - 1` stay ready. A replica ended for `insufficient_funds` stops
 * the whole service. With `spread: providers`, a new job is made only while no other replica
 * waits for placement, so each job knows where the others are.
 */
export const planService = (service: Service, jobs: ReadonlyMap<string, Job>, hostStatus: (hostId: string) => HostStatus, now: Date): ServicePlan => {
  const at = now.toISOString();
  if (isServiceFinal(service.status)) return { service, create: [], stop: [], endpointsChanged: false };
  const stateOf = (jobId: string) => replicaState(jobs.get(jobId), hostStatus);
  let status = service.status;
  let statusReason = service.statusReason;
  let stopAs = service.stopAs;

  const broke = [...service.slots.map((slot) => slot.jobId), ...service.retiring.map((entry) => entry.jobId)]
    .map((jobId) => jobs.get(jobId))
    .find((job) => job && isFinal(job.status) && job.statusReason === 'insufficient_funds');
  if (status === 'active' && broke) {
    status = 'stopping';
    stopAs = 'failed';
    statusReason = `insufficient_funds: replica job ${broke.jobId} could not renew its hold, so every replica stops`;
  }

  const slots: ReplicaSlot[] = [];
  const retiring: RetiringReplica[] = [...service.retiring];
  const retire = (slot: ReplicaSlot, reason: string, stopWhenReplaced = false) => {
    if (jobs.has(slot.jobId)) retiring.push({ jobId: slot.jobId, index: slot.index, reason, stopWhenReplaced });
  };
  const jobIds = [...service.jobIds];

  if (status === 'stopping') {
    for (const slot of service.slots) retire(slot, stopAs === 'failed' ? statusReason ?? 'service failed' : 'service stopped');
  } else {
    const unplaced = (jobId: string) => ['pending', 'queued'].includes(stateOf(jobId));
    let mayCreate = service.spread !== 'providers' || !service.slots.some((slot) => !slot.gaveUp && slot.index < service.replicas && unplaced(slot.jobId));
    const providersOfOthers = (index: number): string[] =>
      [...new Set(service.slots.filter((slot) => slot.index !== index).flatMap((slot) => {
        const assignment = servingAssignment(jobs.get(slot.jobId)) ?? jobs.get(slot.jobId)?.assignments.filter(isLive).at(-1);
        return assignment ? [assignment.providerId] : [];
      }))];
    const next = (slot: ReplicaSlot | undefined, index: number, placement: Pick<ReplicaSlot, 'pinHostId' | 'excludeHostIds'> & Partial<Pick<ReplicaSlot, 'restartsInPlace' | 'failures'>>): ReplicaSlot => {
      const generation = (slot?.generation ?? 0) + 1;
      const jobId = replicaJobId(service.serviceId, index, generation);
      jobIds.push(jobId);
      if (service.spread === 'providers') mayCreate = false;
      const providers = service.spread === 'providers' ? providersOfOthers(index) : [];
      return {
        index,
        generation,
        jobId,
        specRevision: service.specRevision,
        restartsInPlace: placement.restartsInPlace ?? 0,
        failures: placement.failures ?? slot?.failures ?? 0,
        ...(placement.pinHostId ? { pinHostId: placement.pinHostId } : {}),
        ...(placement.excludeHostIds?.length ? { excludeHostIds: placement.excludeHostIds.slice(-MAX_EXCLUDED_HOSTS) } : {}),
        ...(providers.length > 0 ? { excludeProviderIds: providers } : {}),
      };
    };
    const excluding = (slot: ReplicaSlot, hostId: string | undefined) => [...(slot.excludeHostIds ?? []).filter((id) => id !== hostId), ...(hostId ? [hostId] : [])];

    const indices = new Set([...service.slots.map((slot) => slot.index), ...Array.from({ length: service.replicas }, (_, index) => index)]);
    for (const index of [...indices].sort((a, b) => a - b)) {
      const slot = service.slots.find((candidate) => candidate.index === index);
      if (index >= service.replicas) {
        if (slot) retire(slot, 'scaled down');
        continue;
      }
      if (!slot) {
        if (mayCreate) slots.push(next(undefined, index, {}));
        continue;
      }
      if (slot.gaveUp) {
        slots.push(slot);
        continue;
      }
      const job = jobs.get(slot.jobId);
      const state = stateOf(slot.jobId);
      const host = lastHostOf(job)?.hostId;
      if (state === 'ready') {
        slots.push(slot.failures === 0 ? slot : { ...slot, failures: 0 });
      } else if (state === 'ended' && job?.status === 'preempted') {
        // Outbid or displaced by on-demand work: the replica did nothing wrong, so neither the slot nor the host is blamed.
        slots.push(mayCreate ? next(slot, index, { excludeHostIds: slot.excludeHostIds ?? [] }) : slot);
      } else if (state === 'ended') {
        const failures = slot.failures + 1;
        const why = `${job?.statusReason ?? job?.status ?? 'ended'}${host ? ` on ${host}` : ''}`;
        if (failures >= MAX_REPLICA_FAILURES) slots.push({ ...slot, failures, gaveUp: `replica ${index} failed ${failures} times in a row without becoming ready (last: ${why}); it is no longer replaced` });
        else if (mayCreate) slots.push(next(slot, index, { excludeHostIds: excluding(slot, host), failures }));
        else slots.push(slot);
      } else if (state === 'unhealthy' && mayCreate) {
        retire(slot, 'unhealthy');
        if (slot.restartsInPlace < 1 && host) slots.push(next(slot, index, { pinHostId: host, restartsInPlace: 1, excludeHostIds: slot.excludeHostIds ?? [] }));
        else slots.push(next(slot, index, { excludeHostIds: excluding(slot, host), failures: slot.failures + 1 }));
      } else if (state === 'unreachable' && mayCreate) {
        retire(slot, `host ${host} stopped answering`, true);
        slots.push(next(slot, index, { excludeHostIds: excluding(slot, host) }));
      } else {
        slots.push(slot);
      }
    }

    // Rolling update: one outdated replica at a time, only while all are ready.
    const readyCount = slots.filter((slot) => !slot.gaveUp && stateOf(slot.jobId) === 'ready').length;
    const outdated = slots.find((slot) => !slot.gaveUp && slot.specRevision < service.specRevision);
    if (outdated && readyCount >= service.replicas && mayCreate) {
      retire(outdated, `rolling update to revision ${service.specRevision}`);
      slots[slots.indexOf(outdated)] = next(outdated, outdated.index, { failures: 0 });
    }

    const gaveUp = slots.filter((slot) => slot.gaveUp);
    if (gaveUp.length > 0 && gaveUp.length >= service.replicas) {
      status = 'stopping';
      stopAs = 'failed';
      statusReason = `crash_loop: ${gaveUp.map((slot) => slot.gaveUp).join('; ')}`;
      for (const slot of slots.splice(0)) retire(slot, 'crash loop');
    } else {
      statusReason = gaveUp.length > 0 ? `crash_loop: ${gaveUp.map((slot) => slot.gaveUp).join('; ')}` : null;
    }
  }

  // Retired jobs: drop the ended, stop the rest (a replaced one once its replacement is ready, or when its slot is gone).
  const stop: StopOrder[] = [];
  const kept: RetiringReplica[] = [];
  for (const entry of retiring) {
    const job = jobs.get(entry.jobId);
    if (!job || isFinal(job.status) || kept.some((other) => other.jobId === entry.jobId)) continue;
    const slot = slots.find((candidate) => candidate.index === entry.index);
    const replaced = !slot || stateOf(slot.jobId) === 'ready';
    if (entry.stopWhenReplaced && !replaced && status === 'active') {
      kept.push(entry);
      continue;
    }
    kept.push({ ...entry, stopWhenReplaced: false });
    stop.push({ jobId: entry.jobId, reason: entry.reason });
  }

  const endpoints: ServiceEndpoint[] = [];
  if (status === 'active') {
    for (const slot of slots) {
      const job = jobs.get(slot.jobId);
      if (job && stateOf(slot.jobId) === 'ready') {
        const endpoint = endpointOfReplica(service, slot.index, job);
        if (endpoint) endpoints.push(endpoint);
      }
    }
    // A replaced replica whose host came back serves until its replacement is ready.
    for (const entry of kept.filter((candidate) => candidate.stopWhenReplaced)) {
      const job = jobs.get(entry.jobId);
      if (job && stateOf(entry.jobId) === 'ready') {
        const endpoint = endpointOfReplica(service, entry.index, job);
        if (endpoint) endpoints.push(endpoint);
      }
    }
  }
  endpoints.sort((a, b) => a.replica - b.replica || a.jobId.localeCompare(b.jobId));
  const endpointsChanged = JSON.stringify(endpoints) !== JSON.stringify(service.endpoints);

  if (status === 'stopping' && kept.length === 0 && slots.length === 0) status = stopAs ?? 'stopped';
  const after: Service = {
    ...service,
    status,
    statusReason,
    ...(stopAs ? { stopAs } : {}),
    slots,
    retiring: kept,
    jobIds,
    endpoints,
    endpointsVersion: service.endpointsVersion + (endpointsChanged ? 1 : 0),
  };
  const changed = JSON.stringify(after) !== JSON.stringify(service);
  return {
    service: changed ? { ...after, updatedAt: at } : service,
    create: slots.filter((slot) => !slot.gaveUp && !jobs.has(slot.jobId)),
    stop,
    endpointsChanged,
  };
};
