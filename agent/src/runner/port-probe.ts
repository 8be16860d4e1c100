import { connect } from 'node:net';

/** Whether something on this host accepts TCP connections on the port (what a renter's client will try first). */
export const portAccepts = (port: number, timeoutMs = 1000, host = '127.0.0.1'): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });

export interface PortWatchOptions {
  /** Pause between rounds; resolves early (false) once the job ended. */
  readonly sleep: (ms: number) => Promise<boolean>;
  readonly intervalMs?: number;
  readonly probe?: (port: number) => Promise<boolean>;
}

/**
 * Checks the job's host ports until each has accepted a connection or the job ended, calling
 * `onReady` with every port ready so far whenever the set grows.
 */
export const watchPorts = async (ports: readonly number[], onReady: (ready: number[]) => void, options: PortWatchOptions): Promise<void> => {
  const probe = options.probe ?? ((port: number) => portAccepts(port));
  const ready = new Set<number>();
  for (;;) {
    const waiting = ports.filter((port) => !ready.has(port));
    const answered = (await Promise.all(waiting.map(async (port) => ((await probe(port)) ? port : undefined)))).filter((port): port is number => port !== undefined);
    for (const port of answered) ready.add(port);
    if (answered.length > 0) onReady([...ready].sort((a, b) => a - b));
    if (ready.size === ports.length) return;
    if (!(await options.sleep(options.intervalMs ?? 1000))) return;
  }
};
