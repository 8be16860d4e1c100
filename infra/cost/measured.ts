import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ActionUsage, IdleActions, JobUsage } from './model.ts';

/**
 * measured.json: what infra/cost/measure.ts counted on the local runtime, per action, with the
 * date and the settings it ran with. `perJob` stays null until the job flow can be measured end
 * to end; the cost model then uses the documented estimate in job-estimate.ts, labelled so.
 */
const sdkUsage = z.object({
  calls: z.number().nonnegative(),
  billableRequests: z.number().nonnegative(),
  readUnits: z.number().nonnegative(),
  writeUnits: z.number().nonnegative(),
  /** The same units by the topology's table name (`registry`), where DynamoDB named the table. */
  tables: z.record(z.string(), z.object({ readUnits: z.number().nonnegative(), writeUnits: z.number().nonnegative() })).optional(),
});

const actionUsage = z.object({
  apiRequests: z.number().nonnegative(),
  invocations: z.record(z.string(), z.object({ count: z.number().nonnegative(), durationMs: z.number().nonnegative(), logBytes: z.number().nonnegative() })),
  sdk: z.record(z.string(), sdkUsage),
});

export const MeasuredFile = z.object({
  measuredAt: z.string(),
  how: z.string(),
  settings: z.object({
    hosts: z.number().int().positive(),
    heartbeatSeconds: z.number().positive(),
    pollSeconds: z.number().positive(),
    credentialRefreshMinutes: z.number().positive(),
    authorizerCacheSeconds: z.number().nonnegative(),
    speedup: z.number().positive(),
    simulatedMinutes: z.number().positive(),
    logLevel: z.string(),
  }),
  idle: z.object({
    heartbeat: actionUsage,
    credentialRefresh: actionUsage,
    authorizerInvocation: actionUsage,
    longPoll: actionUsage,
    otherPerHostHour: actionUsage,
  }),
  /** The simulation's own totals per host-hour, to check the per-action model against. */
  perHostHour: actionUsage,
  /** One host's onboarding: registration token and registration (the provider's account excluded). */
  perRegistration: actionUsage,
  /** One run of each schedule with the fleet registered; a schedule whose handler could not run is absent. */
  schedulesPerRun: z.record(z.string(), actionUsage),
  notMeasured: z.array(z.string()),
  perJob: z.object({ perJob: actionUsage, perRunningMinute: actionUsage }).nullable(),
});
export type MeasuredFile = z.infer<typeof MeasuredFile>;

export const MEASURED_PATH = new URL('./measured.json', import.meta.url);

export const readMeasured = (path: URL | string = MEASURED_PATH): MeasuredFile => MeasuredFile.parse(JSON.parse(readFileSync(path, 'utf8')));

export const idleActionsOf = (measured: MeasuredFile): IdleActions => measured.idle;

export const measuredJobUsage = (measured: MeasuredFile): JobUsage | undefined =>
  measured.perJob ? { source: 'measured', perJob: measured.perJob.perJob, perRunningMinute: measured.perJob.perRunningMinute } : undefined;

export type { ActionUsage };
