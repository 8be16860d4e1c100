/** Schedules run no more often than EventBridge's finest rate, in whole minutes. */
export const scheduleMinutes = (everySeconds: number): number => Math.max(1, Math.ceil(everySeconds / 60));
