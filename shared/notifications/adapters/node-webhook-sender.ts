import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { endpointUrlProblem, mayConnectTo, type EndpointPolicy } from '../domain/endpoint-url.ts';
import type { AttemptResult } from '../domain/retries.ts';
import type { WebhookSender } from '../ports.ts';

export type Resolve = (hostname: string, options: { all: true; family?: number | 'IPv4' | 'IPv6' }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for Node's HTTP clients that resolves every address of the host and refuses the
 * connection unless all of them are allowed by the policy (a name with one private address
 * among public ones is refused: the client could pick it).
 */
export const guardedLookup = (policy: EndpointPolicy, resolve: Resolve = dnsLookup as unknown as Resolve): LookupFunction => (hostname, options, callback) => {
  resolve(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (error, list) => {
    if (error) return callback(error, '', 0);
    const refused = list.find((entry) => !mayConnectTo(entry.address, policy));
    if (refused || list.length === 0) {
      return callback(Object.assign(new Error(`refused to connect to ${refused?.address ?? hostname}: not a public address`), { code: 'EADDRNOTPUBLIC' }), '', 0);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};

/**
 * What a failed attempt shows in the deliveries list: a fixed phrase per error code, never
 * Node's message, which names the address the host resolved to (`connect ECONNREFUSED
 * 10.0.0.7:443`, a refused private address): the caller must not learn the platform's view
 * of DNS or which internal addresses answer.
 */
export const deliveryErrorText = (error: NodeJS.ErrnoException, timeoutMs: number): string => {
  const code = error.code ?? '';
  if (code === 'EADDRNOTPUBLIC') return 'refused: the host resolves to an address that is not public';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'WEBHOOK_TIMEOUT') return `no response within ${timeoutMs} ms`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'the host name did not resolve';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'the host is unreachable';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_CERT)/.test(code)) return `TLS failed (${code})`;
  return /^[A-Z0-9_]{1,40}$/.test(code) ? `the request failed (${code})` : 'the request failed';
};

/**
 * POSTs with Node's own client. The URL passes the endpoint policy again, and the connection
 * resolves the host through a lookup that refuses any address the policy does not allow: the
 * check happens on the address actually connected to, so a name that resolved to a public
 * address when it was registered cannot be pointed at 169.254.169.254 or 10.x later (DNS
 * rebinding). Redirects are not followed; the response body is not read beyond its status.
 */
export class NodeWebhookSender implements WebhookSender {
  constructor(
    private readonly policy: EndpointPolicy,
    private readonly timeoutMs: number,
    /** The resolver behind the guarded lookup; tests pass one so no traffic leaves the machine. */
    private readonly resolve: Resolve = dnsLookup as unknown as Resolve,
  ) {}

  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult> {
    const problem = endpointUrlProblem(url, this.policy);
    if (problem) return Promise.resolve({ ok: false, error: `url ${problem}` });
    const target = new URL(url);
    const lookup = guardedLookup(this.policy, this.resolve);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(
        target,
        { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, timeout: this.timeoutMs },
        (response) => {
          response.resume();
          const statusCode = response.statusCode ?? 0;
          resolve(statusCode >= 200 && statusCode < 300 ? { ok: true, statusCode } : { ok: false, statusCode, error: `HTTP ${statusCode}` });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'WEBHOOK_TIMEOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, error: deliveryErrorText(error, this.timeoutMs) }));
      request.end(body);
    });
  }
}
