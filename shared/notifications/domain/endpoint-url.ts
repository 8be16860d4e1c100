import { isIP } from 'node:net';
import { MAX_WEBHOOK_URL_LENGTH as MAX_URL_LENGTH } from '#contract/webhooks.ts';
import { isLoopbackAddress, isPublicAddress } from './addresses.ts';

/** The wire contract's bound on a webhook URL. */
export { MAX_URL_LENGTH };

/** Host names that name this machine or a private network, never a public receiver. */
const PRIVATE_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home|corp|localdomain|home\.arpa)$/i;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export interface EndpointPolicy {
  /** Local mode: `http://` to a loopback address (127.0.0.1, [::1], localhost) is allowed too. */
  readonly allowLoopbackHttp: boolean;
}

/**
 * Why a webhook URL is refused, or undefined if it is fine. On AWS only `https://` to a public
 * host: no credentials in the URL; a host that is an IP literal must be public unicast (no
 * loopback, private, link-local such as the metadata service, CGNAT, multicast, reserved);
 * a host name must have a dot and not be a local or internal name. Names are checked again,
 * resolved, at each delivery (adapters/node-webhook-sender.ts), so DNS cannot point a checked
 * name at an internal address later.
 */
export const endpointUrlProblem = (text: string, policy: EndpointPolicy): string | undefined => {
  if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  // `localhost.` and `metadata.google.internal.` are the same names as without the root's dot.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  const loopback = LOOPBACK_NAMES.has(host) || (isIP(host) !== 0 && isLoopbackAddress(host));
  if ((url.protocol === 'http:' || url.protocol === 'https:') && policy.allowLoopbackHttp && loopback) return undefined;
  if (url.protocol !== 'https:') return 'must use https';
  if (isIP(host) !== 0) return isPublicAddress(host) ? undefined : 'must not point at a private, loopback or reserved address';
  if (!host.includes('.') || PRIVATE_NAME.test(host)) return 'must name a public host';
  return undefined;
};

/** At delivery: may this resolved address be connected to? */
export const mayConnectTo = (address: string, policy: EndpointPolicy): boolean =>
  isPublicAddress(address) || (policy.allowLoopbackHttp && isLoopbackAddress(address));
