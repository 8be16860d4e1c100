import { createServer } from 'node:net';

/**
 * Where `freePort` looks: below the ports a system hands out by itself (Linux from 32768, macOS
 * and Windows from 49152) to `listen(0)` and to outgoing connections. A port found free there
 * stays free while the caller starts whatever binds it next (Java takes seconds): a port the
 * system had handed out was once taken in between by another test's `listen(0)`, and DynamoDB
 * Local's readiness checks went to that test's web server.
 */
export const FREE_PORT_RANGE = { from: 20_000, to: 32_767 } as const;
const TRIES = 50;

/** Binds `port` on loopback (0: any) and releases it; the port, or undefined where it was taken (or reserved: EACCES, as Windows' excluded ranges answer). */
const tryPort = (port: number): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });

/**
 * A port free on loopback right now, for a process the caller starts next (a lost race fails
 * loudly), picked at random in `FREE_PORT_RANGE`; one the system picks where every try there
 * was taken.
 */
export const freePort = async (random: () => number = Math.random): Promise<number> => {
  for (let tried = 0; tried < TRIES; tried += 1) {
    const port = await tryPort(FREE_PORT_RANGE.from + Math.floor(random() * (FREE_PORT_RANGE.to - FREE_PORT_RANGE.from + 1)));
    if (port !== undefined) return port;
  }
  const any = await tryPort(0);
  if (any === undefined) throw new Error('no free port on loopback');
  return any;
};

export const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
