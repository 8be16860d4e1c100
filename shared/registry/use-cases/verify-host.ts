import { randomInt } from 'node:crypto';
import { ConflictError, NotFoundError } from '#platform/errors.ts';
import { newId } from '#platform/ids.ts';
import type { Host } from '../domain/host.ts';
import type { HostChange, Transition } from '../domain/lifecycle.ts';
import { reliability } from '../domain/reliability.ts';
import type { GpuAnswer, GpuCommitment } from '../domain/verification/challenge.ts';
import { DEFAULT_VERIFICATION_SETTINGS, type RandomSource, type VerificationSettings } from '../domain/verification/settings.ts';
import { onAnswer, onCommit, onHeartbeat, type AnswerResult, type CommitResult } from '../domain/verification/host-verification.ts';
import { mutateHost } from './mutate-host.ts';
import type { RegistryDeps } from './deps.ts';

const cryptoRandom: RandomSource = () => randomInt(0, 2 ** 32 - 1) >>> 0;

export const verificationSettings = (deps: Pick<RegistryDeps, 'settings'>): VerificationSettings => deps.settings.verification ?? DEFAULT_VERIFICATION_SETTINGS;
const randomOf = (deps: Pick<RegistryDeps, 'random'>): RandomSource => deps.random ?? cryptoRandom;

export interface VerificationReport {
  readonly requestVerification?: boolean;
  readonly abortedVerification?: string;
  readonly runningAssignments: readonly string[];
}

/**
 * The verification side of a heartbeat, composed after the liveness transition: it may end an
 * aborted or missed run, expire an old pass, or issue a challenge to an idle host (which the
 * heartbeat's answer carries). Only an expiry changes what renters see (`host.updated`).
 */
export const verificationOnHeartbeat = (
  previous: Host,
  transition: Transition,
  report: VerificationReport,
  now: Date,
  deps: Pick<RegistryDeps, 'settings' | 'random'>,
): Transition => {
  const host = transition.host;
  if (host.deregisteredAt) return transition;
  const { verification, announce } = onHeartbeat(host.verification, {
    now,
    idle: host.status === 'online' && !host.draining && !host.deregistering && report.runningAssignments.length === 0,
    requested: report.requestVerification === true,
    ...(report.abortedVerification ? { abortedRunId: report.abortedVerification } : {}),
    cameBackFromOffline: previous.status === 'offline' && host.status === 'online',
    gpus: host.gpus,
    simulated: host.simulated,
    settings: verificationSettings(deps),
    random: randomOf(deps),
    newRunId: () => newId('vrf', now),
  });
  if (verification === host.verification) return transition;
  const changes: HostChange[] = announce && !transition.changes.includes('updated') ? [...transition.changes, 'updated'] : [...transition.changes];
  return { host: { ...host, verification }, changes };
};

/**
 * A new host gets its first challenge with its registration (one write), so its first
 * heartbeats stay ordinary pulse-only writes while they hand the challenge out.
 */
export const withFirstRun = (host: Host, now: Date, deps: Pick<RegistryDeps, 'settings' | 'random'>): Host => ({
  ...host,
  verification: onHeartbeat(host.verification, {
    now,
    idle: true,
    requested: false,
    cameBackFromOffline: false,
    gpus: host.gpus,
    simulated: host.simulated,
    settings: verificationSettings(deps),
    random: randomOf(deps),
    newRunId: () => newId('vrf', now),
  }).verification,
});

/** A verdict renters see is announced with the reliability it implies, so the next heartbeat need not announce it again. */
const announced = (host: Host, announce: boolean, now: Date): Transition =>
  announce ? { host: { ...host, publishedReliability: reliability(host, now) }, changes: ['updated'] } : { host, changes: [] };

/** What the platform answers a commitment or an answer with. */
export type StepResult = CommitResult | AnswerResult;

const refuse = (outcome: string): never => {
  if (outcome === 'unknown_run') throw new NotFoundError('No such verification run in flight on this host: it ended (see GET /v1/hosts/{hostId}) or was never issued.');
  if (outcome === 'already_committed') throw new ConflictError('already_committed', 'This run was committed already: send the answer.');
  throw new ConflictError('not_committed', 'This run has no commitment yet: commit first.');
};

/**
 * Step 1 of a run: the agent's commitment (Merkle roots, identity facts, timings). Judged at
 * once (deadline, identity, replay, speed range); if it stands, the platform draws the reveal
 * (tiles, Freivalds' vector, memory chunks) only now, after the roots are fixed.
 */
export const commitVerification = async (hostId: string, runId: string, commitment: readonly GpuCommitment[], deps: RegistryDeps): Promise<StepResult> => {
  let result: StepResult | undefined;
  await mutateHost(hostId, (host, now) => {
    const outcome = onCommit(host.verification, runId, commitment, { now, gpus: host.gpus, settings: verificationSettings(deps), random: randomOf(deps) });
    if (typeof outcome === 'string') return refuse(outcome);
    result = outcome.result;
    return announced({ ...host, verification: outcome.verification }, outcome.announce, now);
  }, deps);
  return result as StepResult;
};

/** Step 2: the revealed tiles and chunks with their proofs; the run passes or fails here. */
export const answerVerification = async (hostId: string, runId: string, answer: readonly GpuAnswer[], deps: RegistryDeps): Promise<StepResult> => {
  let result: StepResult | undefined;
  await mutateHost(hostId, (host, now) => {
    const outcome = onAnswer(host.verification, runId, answer, { now, settings: verificationSettings(deps), random: randomOf(deps) });
    if (typeof outcome === 'string') return refuse(outcome);
    result = outcome.result;
    return announced({ ...host, verification: outcome.verification }, outcome.announce, now);
  }, deps);
  return result as StepResult;
};
