/** Schedules run no more often than EventBridge's finest rate, in whole minutes. */
export const scheduleMinutes = (everySeconds: number): number => Math.max(1, Math.ceil(everySeconds / 60));

/** EventBridge keeps retrying a target for at most 24 h. */
export const MAX_EVENT_AGE_MINUTES = 24 * 60;

/** A missed tick is retried until the next one is due, or for EventBridge's 24 h at most (a weekly schedule). */
export const scheduleMaxEventAgeMinutes = (minutes: number): number => Math.min(minutes, MAX_EVENT_AGE_MINUTES);
