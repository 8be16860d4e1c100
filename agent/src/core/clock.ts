/** The time the agent stamps on what it reports; injected as `sleep` is, so tests can set it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
