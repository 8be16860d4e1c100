import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeWebhookSender, deliveryErrorText, guardedLookup, type Resolve } from '#notifications/adapters/node-webhook-sender.ts';

const aws = { allowLoopbackHttp: false };
const local = { allowLoopbackHttp: true };

const lookupWith = (addresses: LookupAddress[], policy = aws) =>
  new Promise<{ error: Error | null; address: unknown }>((resolve) => {
    const lookup = guardedLookup(policy, (_host, _options, callback) => callback(null, addresses));
    lookup('hooks.example.com', {}, (error, address) => resolve({ error, address }));
  });

describe('guardedLookup (checked when connecting, so DNS cannot rebind a checked name)', () => {
  it('connects to a public address', async () => {
    expect(await lookupWith([{ address: '93.184.216.34', family: 4 }])).toEqual({ error: null, address: '93.184.216.34' });
  });

  it.each([
    [[{ address: '169.254.169.254', family: 4 }]],
    [[{ address: '10.0.0.5', family: 4 }]],
    [[{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }]],
    [[{ address: '::ffff:192.168.0.1', family: 6 }]],
  ])('refuses a name that resolves to %o', async (addresses) => {
    expect((await lookupWith(addresses)).error?.message).toMatch(/not a public address/);
  });

  it('lets local mode reach loopback', async () => {
    expect((await lookupWith([{ address: '127.0.0.1', family: 4 }], local)).error).toBeNull();
  });
});

describe('NodeWebhookSender', () => {
  let server: Server;
  let base: string;
  const statuses: number[] = [];
  const seen: { headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (part) => (body += part));
      request.on('end', () => {
        seen.push({ headers: request.headers, body });
        response.statusCode = statuses.shift() ?? 200;
        response.end('ignored');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs the body with the headers and reports a 2xx as delivered', async () => {
    const result = await new NodeWebhookSender(local, 2000).post(`${base}/hook`, { 'content-type': 'application/json', 'Gpuhive-Event-Id': 'evt_1' }, '{"a":1}');
    expect(result).toEqual({ ok: true, statusCode: 200 });
    expect(seen.at(-1)).toMatchObject({ body: '{"a":1}', headers: { 'gpuhive-event-id': 'evt_1' } });
  });

  it('reports another status as a failure with its code', async () => {
    statuses.push(503);
    expect(await new NodeWebhookSender(local, 2000).post(`${base}/hook`, {}, '{}')).toEqual({ ok: false, statusCode: 503, error: 'HTTP 503' });
  });

  it('reports a refused URL without connecting', async () => {
    const before = seen.length;
    const result = await new NodeWebhookSender(aws, 2000).post(`${base}/hook`, {}, '{}');
    expect([result, seen.length]).toEqual([{ ok: false, error: 'url must use https' }, before]);
  });
});

describe('what a failed delivery shows its owner', () => {
  const resolvesTo = (address: string, family = 4): Resolve => (_host, _options, callback) => callback(null, [{ address, family }]);

  it.each([['10.0.0.7'], ['169.254.169.254'], ['fd00::7']])(
    'a name resolving to %s is refused without connecting, and the error does not carry the address',
    async (address) => {
      const sender = new NodeWebhookSender(aws, 2000, resolvesTo(address, address.includes(':') ? 6 : 4));

      const result = await sender.post('https://hooks.example.com/hook', {}, '{}');

      expect(result).toEqual({ ok: false, error: 'refused: the host resolves to an address that is not public' });
      expect(JSON.stringify(result)).not.toContain(address);
    },
  );

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 203.0.114.9:443'],
    ['ECONNRESET', 'read ECONNRESET 10.1.2.3'],
    ['ETIMEDOUT', 'connect ETIMEDOUT 192.168.1.20:443'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND internal-name.corp'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.9 is not in the cert's list"],
    [undefined, 'something at 172.16.0.4 went wrong'],
  ])('%s is shown as a fixed phrase, without the address in Node\'s message', (code, message) => {
    const text = deliveryErrorText(Object.assign(new Error(message), code ? { code } : {}), 2000);

    expect(text).not.toMatch(/\d+\.\d+\.\d+\.\d+|internal-name/);
    expect(text.length).toBeGreaterThan(0);
  });
});
