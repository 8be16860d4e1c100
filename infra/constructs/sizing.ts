import type { FunctionDef } from '#infra/topology.ts';

/**
 * How much memory and time each kind of function gets when the topology does not say
 * (`FunctionDef.memoryMb`, `timeoutSeconds`). No CDK import here: the cost model reads it too.
 *
 * - routes answer people and agents: 10 s is far above any healthy request, and well inside
 *   API Gateway's 30 s integration limit;
 * - the authorizer sits in front of every protected request, so it must fail fast;
 * - consumers work through batches of up to ten events;
 * - schedules sweep whole indexes.
 *
 * 256 MB on arm64 gives a quarter of the CPU a 1,769 MB function gets: plenty for JSON, DynamoDB
 * and SQS calls, and it halves the GB-seconds of the 512 MB many templates default to.
 */
export type FunctionKind = 'route' | 'authorizer' | 'consumer' | 'schedule';

export const DEFAULT_MEMORY_MB = 256;

export const DEFAULT_TIMEOUT_SECONDS: Readonly<Record<FunctionKind, number>> = {
  route: 10,
  authorizer: 5,
  consumer: 30,
  schedule: 60,
};

/** API Gateway HTTP APIs give up on an integration after 30 s; a route's function must stop before. */
export const MAX_ROUTE_TIMEOUT_SECONDS = 29;

export interface FunctionSizing {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

export const sizingOf = (def: Pick<FunctionDef, 'entry' | 'memoryMb' | 'timeoutSeconds'>, kind: FunctionKind): FunctionSizing => {
  const sizing = { memoryMb: def.memoryMb ?? DEFAULT_MEMORY_MB, timeoutSeconds: def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS[kind] };
  if (!Number.isInteger(sizing.memoryMb) || sizing.memoryMb < 128 || sizing.memoryMb > 10_240) {
    throw new Error(`${def.entry}: memoryMb must be a whole number from 128 to 10240, got ${sizing.memoryMb}`);
  }
  if (!Number.isInteger(sizing.timeoutSeconds) || sizing.timeoutSeconds < 1 || sizing.timeoutSeconds > 900) {
    throw new Error(`${def.entry}: timeoutSeconds must be a whole number from 1 to 900, got ${sizing.timeoutSeconds}`);
  }
  if ((kind === 'route' || kind === 'authorizer') && sizing.timeoutSeconds > MAX_ROUTE_TIMEOUT_SECONDS) {
    throw new Error(`${def.entry}: an API function must finish within ${MAX_ROUTE_TIMEOUT_SECONDS} s (API Gateway stops waiting at 30 s)`);
  }
  return sizing;
};
