import { randomUUID } from 'node:crypto';
import type { ScheduleDef } from '../topology.ts';
import { functionName, invokeHandler } from './handlers.ts';
import { sizingOf } from '../constructs/sizing.ts';
import { lambdaContext } from './lambda-context.ts';

export interface Schedules {
  stop(): Promise<void>;
}

/**
 * The topology's schedules on timers, each invoked with a Scheduled Event as EventBridge
 * would. A run never overlaps the previous one of the same schedule.
 */
export const startSchedules = (options: {
  root: string;
  schedules: readonly ScheduleDef[];
  /** Overrides every period, so tests need not wait a minute. */
  everySeconds?: number;
  /** Overrides the named schedules' periods (and `everySeconds`), so a test speeds up only what it waits on. */
  periodSeconds?: Readonly<Record<string, number>>;
  log: (line: string) => void;
}): Schedules => {
  const running = new Set<Promise<void>>();
  const timers = options.schedules.map((schedule) => {
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      const run = (async () => {
        try {
          await invokeHandler(
            options.root,
            schedule,
            { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000',
              time: new Date().toISOString(), region: 'us-east-1', resources: [`schedule/${schedule.name}`], detail: {} },
            () => lambdaContext(functionName(schedule), sizingOf(schedule, 'schedule').timeoutSeconds),
          );
        } catch (error) {
          options.log(`schedule ${schedule.name} failed: ${(error as Error).message}`);
        } finally {
          busy = false;
        }
      })();
      running.add(run);
      void run.finally(() => running.delete(run));
    };
    return setInterval(tick, (options.periodSeconds?.[schedule.name] ?? options.everySeconds ?? schedule.everySeconds) * 1000);
  });
  return {
    stop: async () => {
      timers.forEach(clearInterval);
      await Promise.all(running);
    },
  };
};
