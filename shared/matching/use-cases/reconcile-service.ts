import { newEvent } from '#events/define.ts';
import { event as jobSubmitted } from '#events/matching/job-submitted.ts';
import { event as serviceEndpointsChanged } from '#events/matching/service-endpoints-changed.ts';
import { CONFLICT, retryOnConflict } from '#platform/retry-on-conflict.ts';
import { formatUsd } from '#platform/money.ts';
import { isFinal, type Job } from '../domain/job.ts';
import { holdMarginSeconds } from '../domain/lease-deadline.ts';
import { newReplicaJob } from '../domain/replica-job.ts';
import { isServiceFinal, type ReplicaSlot, type Service } from '../domain/service.ts';
import { planService, servingAssignment, type HostStatus } from '../domain/service-reconcile.ts';
import { onCancel } from '../domain/transitions.ts';
import { type Outcome } from '../domain/outcome.ts';
import { applyToJob } from './apply-transition.ts';
import type { MatchingDeps } from './deps.ts';

const MAX_ATTEMPTS = 8;
/** A reconciliation that itself changed replicas looks again, at most this many times in a row. */
const MAX_PASSES = 5;

/**
 * Services being reconciled with these deps (one set per Lambda container): a change the
 * reconciler makes itself marks its service for one more pass instead of recursing.
 */
const inFlightOf = new WeakMap<MatchingDeps, Map<string, { again: boolean }>>();

const servicesOf = (deps: MatchingDeps) => {
  if (!deps.services) throw new Error('This function was not given the service store');
  return deps.services;
};

/** A replica job the service lets go of: cancelled as a renter's cancel would be, with the service's reason on its timeline. */
export const retireReplica = (reason: string) => (job: Job, now: Date): Outcome => {
  const outcome = onCancel(job, now);
  if (outcome.job === job) return outcome;
  return {
    ...outcome,
    job: { ...outcome.job, statusReason: `stopped by its service: ${reason}` },
    timeline: outcome.timeline.map((entry) => (entry.type === 'cancelled' ? { ...entry, message: `stopped by its service: ${reason}`, data: { reason } } : entry)),
  };
};

/** Makes a slot's job, once: its id is deterministic, so a second try finds it made and does nothing. */
const createReplicaJob = async (service: Service, slot: ReplicaSlot, deps: MatchingDeps): Promise<void> => {
  if (await deps.jobs.get(slot.jobId)) return;
  const now = deps.clock.now();
  const margin = holdMarginSeconds(deps.settings.stopGraceSeconds, deps.settings.clockSkewSeconds);
  const job = newReplicaJob(service, slot, now, margin);
  const at = now.toISOString();
  try {
    await deps.jobs.create(
      job,
      [{ at, type: 'submitted', message: `replica ${slot.index} of service ${service.serviceId} (generation ${slot.generation}): queued, waiting for a hold of ${formatUsd(job.holdAmount)} USD` }],
      [newEvent(jobSubmitted, { jobId: job.jobId, renterId: job.renterId, holdAmount: job.holdAmount, maxDurationSeconds: job.spec.maxDurationSeconds, holdMarginSeconds: margin }, now)],
    );
  } catch (error) {
    // Another reconciler made it between the read and the write.
    if (!(await deps.jobs.get(slot.jobId))) throw error;
  }
};

const reconcileOnce = async (serviceId: string, deps: MatchingDeps, touched?: Job): Promise<void> => {
  const services = servicesOf(deps);
  const stops = await retryOnConflict<{ jobId: string; reason: string }[]>(
    async () => {
      const service = await services.get(serviceId);
      if (!service) return touched && !isFinal(touched.status) ? [{ jobId: touched.jobId, reason: 'its service does not exist' }] : [];
      const jobIds = [...new Set([...service.slots.map((slot) => slot.jobId), ...service.retiring.map((entry) => entry.jobId)])];
      const jobs = new Map((await Promise.all(jobIds.map((jobId) => deps.jobs.get(jobId)))).flatMap((job) => (job ? [[job.jobId, job] as const] : [])));
      const hostIds = [...new Set([...jobs.values()].flatMap((job) => servingAssignment(job)?.hostId ?? []))];
      const statuses = new Map(await Promise.all(hostIds.map(async (hostId) => [hostId, (await deps.capacity.get(hostId))?.status] as const)));
      const now = deps.clock.now();
      const plan = planService(service, jobs, (hostId): HostStatus => statuses.get(hostId), now);
      if (plan.service !== service) {
        const after = plan.service;
        const events = plan.endpointsChanged
          ? [newEvent(serviceEndpointsChanged, {
              serviceId,
              renterId: service.renterId,
              endpointsVersion: after.endpointsVersion,
              endpoints: after.endpoints.map(({ replica, jobId, hostId, address, url }) => ({ replica, jobId, hostId, address, url })),
            }, now)]
          : [];
        if (!(await services.save(service, after, events))) return CONFLICT;
        await services.publish(events);
      }
      // The intent is saved: the jobs follow (a crash here is repaired by the next pass).
      for (const slot of plan.create) await createReplicaJob(plan.service, slot, deps);
      const stop = [...plan.stop];
      // A job the service no longer lists (made from an older state, or after a stop) is stopped too.
      const listed = new Set([...plan.service.slots.map((slot) => slot.jobId), ...plan.service.retiring.map((entry) => entry.jobId)]);
      if (touched && !isFinal(touched.status) && !listed.has(touched.jobId) && (isServiceFinal(plan.service.status) || plan.service.jobIds.includes(touched.jobId))) {
        stop.push({ jobId: touched.jobId, reason: 'no longer part of its service' });
      }
      return stop;
    },
    { attempts: MAX_ATTEMPTS, baseDelayMs: 20, exhausted: () => new Error(`service ${serviceId} kept changing while being reconciled`) },
  );
  for (const { jobId, reason } of stops) await applyToJob(jobId, retireReplica(reason), deps);
};

/**
 * Brings a service to what it wants (domain/service-reconcile.ts). Steps: read the service,
 * its slots' and retired jobs, and the status of their hosts; plan; save the new slots,
 * endpoints and (if the ready set changed) `service.endpoints_changed` in one conditional
 * write; then make the new replica jobs (deterministic ids: made once) and stop the retired
 * ones. Idempotent: a second run with nothing new changes nothing. Driven by every write to a
 * replica job (agent events and health reports, host events, funds), by the API's create,
 * update and stop, and by the minute sweep.
 */
export const reconcileService = async (serviceId: string, deps: MatchingDeps, touched?: Job): Promise<void> => {
  let inFlight = inFlightOf.get(deps);
  if (!inFlight) inFlightOf.set(deps, (inFlight = new Map()));
  const running = inFlight.get(serviceId);
  if (running) {
    running.again = true;
    return;
  }
  const state = { again: true };
  inFlight.set(serviceId, state);
  try {
    for (let pass = 0; state.again && pass < MAX_PASSES; pass += 1) {
      state.again = false;
      await reconcileOnce(serviceId, deps, pass === 0 ? touched : undefined);
    }
  } finally {
    inFlight.delete(serviceId);
  }
};

/** The sweep's pass: every service not yet stopped or failed. */
export const reconcileAllServices = async (deps: MatchingDeps): Promise<number> => {
  const active = await servicesOf(deps).listActive();
  for (const service of active) await reconcileService(service.serviceId, deps);
  return active.length;
};
