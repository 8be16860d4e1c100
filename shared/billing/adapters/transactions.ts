import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { retryOnConflict as retry } from '#platform/retry-on-conflict.ts';

/** Why each item of a cancelled TransactWriteItems failed ('None' for those that did not). */
export const cancellationReasons = (error: unknown) =>
  error instanceof TransactionCanceledException ? error.CancellationReasons ?? [] : undefined;

export const conditionFailedAt = (error: unknown, index: number): boolean =>
  cancellationReasons(error)?.[index]?.Code === 'ConditionalCheckFailed';

/**
 * DynamoDB cancels a transaction that touches an item another transaction is writing
 * (`TransactionConflict`). Every job of one renter updates that renter's balance item,
 * and every credit the funding account's, so conflicts are expected under load: they are
 * retried here, with jittered backoff, before the caller sees an error.
 */
const isConflict = (error: unknown): boolean =>
  (error as { name?: string }).name === 'TransactionConflictException' ||
  (cancellationReasons(error)?.some((reason) => reason.Code === 'TransactionConflict') ?? false);

const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 15;
const MAX_DELAY_MS = 1000;

export const retryOnConflict = <T>(write: () => Promise<T>): Promise<T> =>
  retry(write, { attempts: MAX_ATTEMPTS, isConflict, exhausted: (lastError) => lastError, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS });
