/** setTimeout's longest delay (about 24.8 days): a longer one fires at once, so it is re-armed in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `fire` after `ms`, however long (a job may run 30 days); unref'd; returns the cancel. */
export const setLongTimeout = (fire: () => void, ms: number): (() => void) => {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fire()), Math.min(Math.max(0, left), MAX_TIMER_MS));
    timer.unref();
  };
  arm(ms);
  return () => clearTimeout(timer);
};
