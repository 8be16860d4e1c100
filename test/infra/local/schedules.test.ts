import { afterEach, describe, expect, it } from 'vitest';
import { startSchedules, type Schedules } from '#infra/local/schedules.ts';
import { callCounter } from '#platform/call-counter.ts';
import type { ScheduleDef } from '#infra/topology.ts';
import { eventually } from '#test/support/api.ts';
import { runs } from '#test/fixtures/recording-schedule.ts';

const schedule: ScheduleDef = { name: 'recorded', entry: 'test/fixtures/recording-schedule.ts', context: 'platform', everySeconds: 60 };
let schedules: Schedules | undefined;

afterEach(async () => {
  await schedules?.stop();
  schedules = undefined;
  callCounter.stop();
  runs.length = 0;
});

describe('the local schedules', () => {
  it('invokes a schedule with a Scheduled Event at the period a test gives it', async () => {
    schedules = startSchedules({ root: process.cwd(), schedules: [schedule], periodSeconds: { recorded: 0.05 }, log: () => {} });

    await eventually(async () => expect(runs.length).toBeGreaterThanOrEqual(2));
    expect(new Set(runs)).toEqual(new Set(['Scheduled Event:schedule/recorded']));
  });

  it('counts, when a cost measurement runs, each run as an invocation of its function', async () => {
    callCounter.start();
    schedules = startSchedules({ root: process.cwd(), schedules: [schedule], periodSeconds: { recorded: 0.05 }, log: () => {} });

    await eventually(async () => expect(runs.length).toBeGreaterThanOrEqual(2));
    // Stopping waits for a run in flight: every recorded run has been counted then.
    await schedules.stop();
    expect(callCounter.snapshot().scopes[schedule.entry]?.invocations).toBe(runs.length);
  });
});
