import { request as httpRequest } from 'node:http';
import { lazyBuiltin } from '#agent/core/lazy-builtin.ts';

const https = lazyBuiltin<typeof import('node:https')>('node:https');

/**
 * The agent's HTTP transport: node:http and node:https, not the global `fetch`. Loading fetch
 * (undici and its WebAssembly HTTP parser) costs an idle agent ~12 MB of RSS, a quarter of its
 * whole budget; node:http parses with the llhttp already inside Node. The shape is the part of
 * fetch the agent uses, so tests pass a fake (or fetch itself) as the transport.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

export type Transport = (url: string | URL, init: HttpInit) => Promise<HttpAnswer>;

/** The failure of a request that got no answer; `cause.code` as fetch gives it (ECONNREFUSED, ...). */
const failure = (url: URL, cause: unknown): Error =>
  Object.assign(new TypeError(`request to ${url.origin} failed`), { cause });

export const nodeTransport: Transport = (target, init) =>
  new Promise((resolve, reject) => {
    const url = typeof target === 'string' ? new URL(target) : target;
    if (init.signal?.aborted) return reject(failure(url, init.signal.reason));
    const send = url.protocol === 'https:' ? https().request : httpRequest;
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const request = send(url, {
      method: init.method,
      headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      ...(init.signal ? { signal: init.signal } : {}),
    });
    request.once('error', (error) => reject(failure(url, error)));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      const read = new Promise<string>((done, broken) => {
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => done(Buffer.concat(chunks).toString('utf8')));
        response.once('error', broken);
        response.once('aborted', () => broken(new Error('the answer was cut off')));
      });
      read.catch(() => undefined); // read by text(); never an unhandled rejection
      const status = response.statusCode ?? 0;
      resolve({
        status,
        ok: status >= 200 && status < 300,
        statusText: response.statusMessage ?? '',
        headers: { get: (name) => { const value = response.headers[name.toLowerCase()]; return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value; } },
        text: () => read,
      });
    });
    request.end(body);
  });
