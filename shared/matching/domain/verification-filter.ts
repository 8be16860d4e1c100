import type { HostCapacity } from './capacity.ts';

/** What a renter asks of a host's verification (docs/verification.md). */
export interface VerificationRequirement {
  /** Only hosts whose latest verification passed and has not expired. */
  readonly verifiedOnly?: boolean;
  /** Only hosts whose score (their weakest GPU's) is at least this; implies verified. */
  readonly minScore?: number;
}

export const isVerified = (host: Pick<HostCapacity, 'verification'>): boolean => host.verification?.state === 'verified';

/**
 * Whether a host meets a job's or an offer filter's verification requirement: a small
 * predicate of its own, beside the other placement filters, fed by the `verification` the
 * host snapshots carry (a failed host is already unlisted by the registry).
 */
export const meetsVerification = (host: Pick<HostCapacity, 'verification'>, wanted: VerificationRequirement): boolean => {
  if (!wanted.verifiedOnly && wanted.minScore === undefined) return true;
  if (!isVerified(host)) return false;
  return wanted.minScore === undefined || (host.verification?.score ?? 0) >= wanted.minScore;
};

/** "verified hosts with a score of at least 25", for the reason a job waits. */
export const describeVerification = (wanted: VerificationRequirement): string =>
  wanted.minScore !== undefined ? ` on verified hosts scoring at least ${wanted.minScore}` : wanted.verifiedOnly ? ' on verified hosts' : '';
