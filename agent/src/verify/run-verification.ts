import { existsSync } from 'node:fs';
import type { ApiClient } from '#agent/api/client.ts';
import { describeError } from '#agent/core/errors.ts';
import { readJsonFile, writeJsonFile } from '#agent/core/files.ts';
import type { Logger } from '#agent/core/logger.ts';
import { VerificationAborted, type Challenge, type GpuIdentity, type VerifierBackend } from './backend.ts';
import { isoTime } from '#agent/core/clock.ts';

/** One run as the agent saw it: what `gpuhive-agent status` shows. */
export interface VerificationRecord {
  readonly runId: string;
  readonly backend: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: 'passed' | 'failed' | 'aborted' | 'error';
  readonly reason?: string;
  readonly score?: number;
  readonly gpus?: readonly { readonly index: number; readonly tflops: number; readonly bandwidthGBs: number; readonly score: number }[];
}

const KEPT = 10;

export const readVerificationRecords = (path: string): VerificationRecord[] => (existsSync(path) ? (readJsonFile<VerificationRecord[]>(path) ?? []) : []);

export const appendVerificationRecord = (path: string, record: VerificationRecord): void =>
  writeJsonFile(path, [...readVerificationRecords(path), record].slice(-KEPT));

/**
 * A whole run: compute and commit (Merkle roots, identity, timings); the platform reveals
 * what it wants only then; answer with the tiles, chunks and proofs; the platform's verdict.
 * Aborting (a renter's assignment arrived) stops the computation at once.
 */
export const runVerification = async (
  challenge: Challenge,
  options: { readonly api: ApiClient; readonly backend: VerifierBackend; readonly gpus: readonly GpuIdentity[]; readonly signal: AbortSignal; readonly logger: Logger },
): Promise<VerificationRecord> => {
  const { api, backend, logger, signal } = options;
  const startedAt = isoTime(Date.now());
  const base = { runId: challenge.runId, backend: backend.name, startedAt };
  logger.info('verification started', { runId: challenge.runId, backend: backend.name, gpus: challenge.gpus.length });
  let computed;
  try {
    computed = await backend.compute(challenge, options.gpus, signal);
    if (signal.aborted) throw new VerificationAborted();
    const committed = await api.verificationStep(challenge.runId, { step: 'commit', gpus: computed.commitment });
    if (committed.kind !== 'revealed' || !committed.reveal) {
      return { ...base, endedAt: isoTime(Date.now()), outcome: 'failed', reason: committed.reason ?? 'the commitment was refused' };
    }
    const answer = await computed.answer(committed.reveal);
    const verdict = await api.verificationStep(challenge.runId, { step: 'answer', gpus: answer });
    const record: VerificationRecord = verdict.kind === 'passed'
      ? { ...base, endedAt: isoTime(Date.now()), outcome: 'passed', ...(verdict.score !== undefined ? { score: verdict.score } : {}), ...(verdict.gpus ? { gpus: verdict.gpus } : {}) }
      : { ...base, endedAt: isoTime(Date.now()), outcome: 'failed', reason: verdict.reason ?? 'the answer was refused' };
    logger.info(`verification ${record.outcome}`, { runId: challenge.runId, ...(record.score !== undefined ? { score: record.score } : {}), ...(record.reason ? { reason: record.reason } : {}) });
    return record;
  } catch (error) {
    if (signal.aborted || error instanceof VerificationAborted) {
      logger.info('verification aborted: a renter’s assignment arrived', { runId: challenge.runId });
      return { ...base, endedAt: isoTime(Date.now()), outcome: 'aborted', reason: 'a renter’s assignment arrived' };
    }
    logger.warn('verification could not run', { runId: challenge.runId, error: describeError(error) });
    return { ...base, endedAt: isoTime(Date.now()), outcome: 'error', reason: describeError(error) };
  } finally {
    computed?.close();
  }
};
