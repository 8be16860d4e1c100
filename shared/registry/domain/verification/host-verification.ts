import {
  assessAnswer, assessCommitment, issueChallenge, revealFor,
  type Challenge, type ClaimedGpu, type GpuAnswer, type GpuCommitment, type GpuReveal, type MeasuredGpu,
} from './challenge.ts';
import type { RandomSource, VerificationSettings } from './settings.ts';

export type VerificationState = 'unverified' | 'verified' | 'failed' | 'expired';
export type RunOutcome = 'passed' | 'failed' | 'aborted' | 'missed';

/** A run in flight: challenged, maybe committed and revealed. */
export interface PendingRun {
  readonly challenge: Challenge;
  readonly commitment?: readonly GpuCommitment[];
  readonly committedAt?: string;
  readonly measured?: readonly MeasuredGpu[];
  readonly reveal?: readonly GpuReveal[];
  readonly answerBy?: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly issuedAt: string;
  readonly endedAt: string;
  readonly outcome: RunOutcome;
  readonly reason?: string;
  readonly score?: number;
}

/** What the registry keeps of a host's verification, on the host item (no table of its own). */
export interface HostVerification {
  readonly state: VerificationState;
  /** When the state last changed. */
  readonly since: string;
  readonly verifiedAt?: string;
  /** The host's score: its weakest GPU's. */
  readonly score?: number;
  readonly gpus?: readonly MeasuredGpu[];
  /** Why it failed, for the provider to act on. */
  readonly reason?: string;
  readonly nextRunAt: string;
  readonly run?: PendingRun;
  /** The latest runs, newest last. */
  readonly history: readonly RunSummary[];
  /** Roots of recent commitments: a replayed one fails. */
  readonly recentRoots: readonly string[];
}

const HISTORY = 10;
const ROOTS = 32;
/** Reliability lost per failed run among the kept history, and the most it can lose. */
export const PENALTY_PER_FAILURE = 0.05;
export const MAX_PENALTY = 0.3;

export const newVerification = (now: Date): HostVerification => ({ state: 'unverified', since: now.toISOString(), nextRunAt: now.toISOString(), history: [], recentRoots: [] });

/** Share of reliability a host keeps after its recent failed runs ("repeated failures lower reliability"). */
export const reliabilityFactor = (verification: Pick<HostVerification, 'history'> | undefined): number => {
  const failures = verification?.history.filter((run) => run.outcome === 'failed').length ?? 0;
  return 1 - Math.min(MAX_PENALTY, failures * PENALTY_PER_FAILURE);
};

/** Exponentially distributed, mean `meanSeconds`: the next run cannot be predicted (and so not prepared for). */
export const nextRunAfter = (now: Date, meanSeconds: number, random: RandomSource): Date => {
  const uniform = (random() >>> 0) / 2 ** 32;
  return new Date(now.getTime() - Math.log(1 - uniform) * meanSeconds * 1000);
};

interface Change {
  readonly verification: HostVerification;
  /** The state (or score) renters see changed: announce the host again. */
  readonly announce: boolean;
}

const end = (verification: HostVerification, run: PendingRun, outcome: RunOutcome, now: Date, extra: { reason?: string; score?: number } = {}): HostVerification => {
  const { run: _ended, ...rest } = verification;
  const summary: RunSummary = { runId: run.challenge.runId, issuedAt: run.challenge.issuedAt, endedAt: now.toISOString(), outcome, ...extra };
  return { ...rest, history: [...verification.history, summary].slice(-HISTORY) };
};

export interface HeartbeatContext {
  readonly now: Date;
  /** Online, listed, not draining, and the agent runs nothing: only idle GPUs are verified. */
  readonly idle: boolean;
  /** The agent asked for a run now (`gpuhive-agent verify`). */
  readonly requested: boolean;
  /** The agent gave up this run because a renter's assignment arrived. */
  readonly abortedRunId?: string;
  readonly cameBackFromOffline: boolean;
  readonly gpus: readonly ClaimedGpu[];
  readonly simulated: boolean;
  readonly settings: VerificationSettings;
  readonly random: RandomSource;
  readonly newRunId: () => string;
}

/**
 * What a heartbeat does to the verification: an aborted or long-missed run ends (and is tried
 * again later); a pass too old expires; a host back from offline is due at once; an idle host
 * whose run is due (or asked for) gets a fresh challenge, handed out in the heartbeat's answer.
 */
export const onHeartbeat = (current: HostVerification | undefined, context: HeartbeatContext): Change => {
  const { now, settings } = context;
  let verification = current ?? newVerification(now);
  let announce = false;
  const run = verification.run;
  if (run && context.abortedRunId === run.challenge.runId) {
    verification = { ...end(verification, run, 'aborted', now, { reason: 'a renter’s job arrived: verification yields to it' }), nextRunAt: new Date(now.getTime() + settings.retryAfterSeconds * 1000).toISOString() };
  } else if (run) {
    const missedAt = Date.parse(run.answerBy ?? run.challenge.commitBy) + settings.missedAfterSeconds * 1000;
    if (now.getTime() > missedAt) {
      const reason = run.commitment ? 'committed, but never answered the challenge' : 'no commitment: the agent did not run the verifier (an agent too old, no verifier backend, or a crash)';
      verification = { ...end(verification, run, 'missed', now, { reason }), nextRunAt: new Date(now.getTime() + settings.retryAfterSeconds * 1000).toISOString() };
    }
  }
  if (verification.state === 'verified' && verification.verifiedAt && now.getTime() - Date.parse(verification.verifiedAt) > settings.validForSeconds * 1000) {
    verification = { ...verification, state: 'expired', since: now.toISOString() };
    announce = true;
  }
  if (context.cameBackFromOffline && Date.parse(verification.nextRunAt) > now.getTime()) verification = { ...verification, nextRunAt: now.toISOString() };
  const due = context.requested || Date.parse(verification.nextRunAt) <= now.getTime();
  if (!verification.run && due && context.idle && context.gpus.length > 0) {
    const challenge = issueChallenge(context.newRunId(), context.gpus, { simulated: context.simulated, now, settings, random: context.random });
    verification = { ...verification, run: { challenge } };
  }
  return { verification, announce };
};

export type CommitResult =
  | { readonly kind: 'revealed'; readonly reveal: readonly GpuReveal[]; readonly answerBy: string }
  | { readonly kind: 'failed'; readonly reason: string };

const failedState = (verification: HostVerification, run: PendingRun, reason: string, now: Date, settings: VerificationSettings, random: RandomSource): HostVerification => {
  const { score: _s, gpus: _g, verifiedAt: _v, ...rest } = end(verification, run, 'failed', now, { reason });
  return { ...rest, state: 'failed', since: now.toISOString(), reason, nextRunAt: nextRunAfter(now, settings.meanIntervalSeconds, random).toISOString() };
};

/** Ends in `failed` for a reason the provider can act on; `unknown_run` when there is no such run in flight. */
export const onCommit = (
  current: HostVerification | undefined,
  runId: string,
  commitment: readonly GpuCommitment[],
  context: { readonly now: Date; readonly gpus: readonly ClaimedGpu[]; readonly settings: VerificationSettings; readonly random: RandomSource },
): { readonly verification: HostVerification; readonly result: CommitResult; readonly announce: boolean } | 'unknown_run' | 'already_committed' => {
  const run = current?.run;
  if (!current || !run || run.challenge.runId !== runId) return 'unknown_run';
  if (run.commitment) return 'already_committed';
  const { now, settings, random } = context;
  const verdict = assessCommitment(run.challenge, commitment, { claimed: context.gpus, receivedAt: now, seenRoots: current.recentRoots });
  const roots = [...current.recentRoots, ...commitment.flatMap((gpu) => [gpu.gemmRoot, gpu.memoryRoot])].slice(-ROOTS);
  if (!verdict.ok) {
    return { verification: { ...failedState(current, run, verdict.reason, now, settings, random), recentRoots: roots }, result: { kind: 'failed', reason: verdict.reason }, announce: current.state !== 'failed' };
  }
  const reveal = revealFor(run.challenge, settings, random);
  const answerBy = new Date(now.getTime() + settings.answerWithinSeconds * 1000).toISOString();
  return {
    verification: { ...current, recentRoots: roots, run: { ...run, commitment, committedAt: now.toISOString(), measured: verdict.value, reveal, answerBy } },
    result: { kind: 'revealed', reveal, answerBy },
    announce: false,
  };
};

export type AnswerResult =
  | { readonly kind: 'passed'; readonly score: number; readonly gpus: readonly MeasuredGpu[] }
  | { readonly kind: 'failed'; readonly reason: string };

export const onAnswer = (
  current: HostVerification | undefined,
  runId: string,
  answer: readonly GpuAnswer[],
  context: { readonly now: Date; readonly settings: VerificationSettings; readonly random: RandomSource },
): { readonly verification: HostVerification; readonly result: AnswerResult; readonly announce: boolean } | 'unknown_run' | 'not_committed' => {
  const run = current?.run;
  if (!current || !run || run.challenge.runId !== runId) return 'unknown_run';
  if (!run.commitment || !run.reveal || !run.measured || !run.answerBy) return 'not_committed';
  const { now, settings, random } = context;
  const late = now.getTime() > Date.parse(run.answerBy);
  const verdict = late
    ? { ok: false as const, reason: `the answer came after its deadline (${run.answerBy})` }
    : assessAnswer(run.challenge, run.commitment, run.reveal, answer);
  if (!verdict.ok) {
    return { verification: failedState(current, run, verdict.reason, now, settings, random), result: { kind: 'failed', reason: verdict.reason }, announce: current.state !== 'failed' };
  }
  const score = Math.min(...run.measured.map((gpu) => gpu.score));
  const { reason: _reason, ...rest } = end(current, run, 'passed', now, { score });
  return {
    verification: {
      ...rest,
      state: 'verified',
      since: current.state === 'verified' ? current.since : now.toISOString(),
      verifiedAt: now.toISOString(),
      score,
      gpus: run.measured,
      nextRunAt: nextRunAfter(now, settings.meanIntervalSeconds, random).toISOString(),
    },
    result: { kind: 'passed', score, gpus: run.measured },
    announce: current.state !== 'verified' || current.score !== score,
  };
};
