/**
 * A service replica's health check (docs/services.md): GET the check's path on the replica's
 * host port, every `intervalSeconds`, each try given `timeoutSeconds`. A 2xx or 3xx answer is
 * healthy. Failures in the first `startupGraceSeconds` after the start do not count (a model
 * loading its weights); after that, `failureThreshold` failures in a row make it unhealthy.
 * The agent reports only changes of state, through the assignment's event route, as it does
 * readiness: the platform restarts or replaces an unhealthy replica.
 */
import { nodeTransport } from '#agent/api/http.ts';
import type { AgentEvent, ReplicaHealthCheck } from '#contract/agent.ts';

/** The check as the assignment message carries it, and the report the agent sends (the wire contract). */
export type HealthCheckSpec = ReplicaHealthCheck;
export type HealthReport = NonNullable<AgentEvent['health']>;
export type HealthState = HealthReport['state'];

export interface ProbeResult {
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly message?: string;
}

export type HealthProbe = (url: string, timeoutMs: number) => Promise<ProbeResult>;

/**
 * One GET, redirects not followed (a 3xx counts as an answer), through node:http as every
 * request of the agent: the global fetch compiles undici's WebAssembly parser, which the
 * bundle's V8 lite mode does not allow (the process would abort).
 */
export const httpProbe: HealthProbe = async (url, timeoutMs) => {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await nodeTransport(url, { method: 'GET', headers: {}, signal });
    const ok = response.status >= 200 && response.status < 400;
    return { ok, statusCode: response.status, ...(ok ? {} : { message: `answered ${response.status}` }) };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { ok: false, message: signal.aborted ? `no answer within ${timeoutMs} ms` : `could not connect: ${cause instanceof Error ? cause.message : (error as Error).message}` };
  }
};

export interface HealthWatchOptions {
  /** Pause between checks; resolves false once the replica ended (the watch stops). */
  readonly sleep: (ms: number) => Promise<boolean>;
  /** When the replica started, in epoch ms: the startup grace counts from here. */
  readonly startedAt: number;
  readonly probe?: HealthProbe;
  readonly now?: () => number;
}

/** The state after one check, or undefined while nothing is known (failing inside the grace). */
export const nextHealth = (
  check: Pick<HealthCheckSpec, 'failureThreshold' | 'startupGraceSeconds'>,
  previous: { readonly state?: HealthState; readonly failures: number },
  result: ProbeResult,
  sinceStartMs: number,
): { state?: HealthState; failures: number } => {
  if (result.ok) return { state: 'healthy', failures: 0 };
  if (sinceStartMs < check.startupGraceSeconds * 1000) return { ...(previous.state ? { state: previous.state } : {}), failures: 0 };
  const failures = previous.failures + 1;
  return { state: failures >= check.failureThreshold ? 'unhealthy' : 'failing', failures };
};

/** Checks until the replica ends, calling `report` at each change of state. */
export const watchHealth = async (check: HealthCheckSpec, report: (report: HealthReport) => void, options: HealthWatchOptions): Promise<void> => {
  const probe = options.probe ?? httpProbe;
  const now = options.now ?? Date.now;
  const url = `http://127.0.0.1:${check.hostPort}${check.path}`;
  let current: { state?: HealthState; failures: number } = { failures: 0 };
  for (;;) {
    const result = await probe(url, check.timeoutSeconds * 1000);
    const next = nextHealth(check, current, result, now() - options.startedAt);
    if (next.state && next.state !== current.state) {
      report({ state: next.state, failures: next.failures, ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}), ...(result.message ? { message: result.message } : {}) });
    }
    current = next;
    if (!(await options.sleep(check.intervalSeconds * 1000))) return;
  }
};

/** Starts the checks of a started replica; they stop when `done` settles. */
export const startHealthChecks = (
  check: HealthCheckSpec,
  startedAt: number,
  done: Promise<unknown>,
  report: (report: HealthReport) => void,
  onError: (error: unknown) => void,
): void => {
  let ended = false;
  void done.finally(() => {
    ended = true;
  });
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(!ended), ms);
      timer.unref();
    });
  void watchHealth(check, (health) => {
    if (!ended) report(health);
  }, { sleep, startedAt }).catch(onError);
};
