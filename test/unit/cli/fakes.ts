import type { Fetch } from '#cli/api.ts';
import type { Output } from '#cli/output.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

type Reply = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };

/**
 * A fetch that answers from recorded responses: each route key (`GET /v1/jobs/job_1/logs`)
 * has a list of replies given in turn (the last one repeats). Every request is kept.
 */
export const recordedFetch = (replies: Record<string, Reply[]>) => {
  const requests: RecordedRequest[] = [];
  const served = new Map<string, number>();
  const fetchFn: Fetch = async (input, init = {}) => {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const key = `${method} ${url.pathname}`;
    requests.push({ method, url, headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>)), body: init.body ? JSON.parse(String(init.body)) : undefined });
    const list = replies[key];
    if (!list) return new Response(JSON.stringify({ error: { code: 'not_found', message: `No route ${key}.` } }), { status: 404 });
    const index = served.get(key) ?? 0;
    served.set(key, index + 1);
    const reply = list[Math.min(index, list.length - 1)] as Reply;
    const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    // A 204 has no body (the Response constructor refuses one).
    return new Response(reply.status === 204 ? null : text, { status: reply.status ?? 200, headers: { 'content-type': 'application/json', ...reply.headers } });
  };
  return { fetch: fetchFn, requests };
};

export const bufferOutput = (interactive = false): Output & { stdout: () => string; stderr: () => string } => {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    control: (sequence) => void (err += sequence),
    interactive,
    columns: 100,
    stdout: () => out,
    stderr: () => err,
  };
};

export const loggedIn = { GPUHIVE_API: 'http://api.test', GPUHIVE_API_KEY: 'gpuhive_renter_test', GPUHIVE_CONFIG: '/nonexistent/gpuhive-config.json' };
