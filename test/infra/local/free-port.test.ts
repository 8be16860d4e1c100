import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FREE_PORT_RANGE, freePort } from '#infra/local/free-port.ts';

const listening: Server[] = [];
afterEach(async () => {
  await Promise.all(listening.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const listenOn = (port: number): Promise<number | undefined> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      listening.push(server);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : undefined);
    });
  });

/** The `random()` that makes `freePort` try `port` (in FREE_PORT_RANGE). */
const pointingAt = (port: number) => (port - FREE_PORT_RANGE.from + 0.5) / (FREE_PORT_RANGE.to - FREE_PORT_RANGE.from + 1);

describe('freePort', () => {
  it("picks a port below the ones the system hands to listen(0) and outgoing connections, which another process could take before the caller binds it", async () => {
    const port = await freePort();

    expect(port).toBeGreaterThanOrEqual(FREE_PORT_RANGE.from);
    expect(port).toBeLessThanOrEqual(FREE_PORT_RANGE.to);
    expect(port).toBeLessThan(32_768);
    expect(await listenOn(port)).toBe(port);
  });

  it('passes over a port something already listens on', async () => {
    const taken = await freePort();
    expect(await listenOn(taken)).toBe(taken);
    const free = await freePort();
    const tries = [pointingAt(taken), pointingAt(free)];

    expect(await freePort(() => tries.shift()!)).toBe(free);
  });
});
