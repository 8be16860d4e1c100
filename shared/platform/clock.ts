/** Time as a port, so domain code and tests never reach for Date.now(). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export const addSeconds = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

export const epochSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);
