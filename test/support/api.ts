/**
 * Helpers for tests that talk to a runtime through its HTTP API only: no AWS SDK, no runtime
 * module. A file that runs `npm start` in a child process (test/e2e) or only polls imports these without loading
 * the whole backend into its process (about a second of CPU per file, the SDK clients most of
 * it); test/support/local-runtime.ts re-exports them.
 */
import { randomBytes } from 'node:crypto';

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ApiClient {
  call<T = any>(method: string, path: string, options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
}

export const apiClient = (baseUrl: string): ApiClient => ({
  async call(method, path, options = {}) {
    // fetch refuses a body on GET; tests that loop over routes pass one to every method.
    if (method === 'GET') options = { ...options, body: undefined, rawBody: undefined };
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
        ...(options.body !== undefined || options.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.rawBody !== undefined ? { body: options.rawBody } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as any, headers: response.headers };
  },
});

/**
 * Polls until `check` passes or the deadline passes; for effects of schedules and queues. Every
 * 200 ms by default, as most checks call a runtime; an in-process check may poll more often.
 */
export const eventually = async <T>(check: () => Promise<T>, timeoutMs = 10_000, intervalMs = 200): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw lastError;
};

export const sampleHostFacts = (overrides: Record<string, unknown> = {}) => ({
  hostname: 'rig-1',
  region: 'eu-west',
  pricePerGpuHour: '0.450000',
  gpus: [
    { name: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: `GPU-${Math.random().toString(16).slice(2)}`, index: 0 },
  ],
  cpuCores: 16,
  memoryMb: 65536,
  diskGb: 500,
  runtimes: ['docker'],
  ...overrides,
});

/**
 * Sends a request again while the API answers 503 `busy` (a lost race, or a route past its 10 s deadline beside
 * another run), as a client does, and returns the first other answer, or the last `busy` one after `attempts`.
 * Only for requests that are safe to repeat.
 */
export const sentUntilNotBusy = async (call: () => Promise<ApiResponse>, attempts = 5): Promise<ApiResponse> => {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await call();
    if (answer.status !== 503 || attempt >= attempts) return answer;
  }
};

/**
 * `sentUntilNotBusy` for a setup step, which fails with what the API said on any answer other than `expected`:
 * a function's first call right after a runtime's start, beside another run, can pass its route's 10 s deadline.
 * Only for requests that are safe to repeat (one sent twice leaves at most an unused account or token).
 */
export const untilNotBusy = async (call: () => Promise<ApiResponse>, expected: readonly number[] = [201], attempts = 5): Promise<ApiResponse> => {
  const answer = await sentUntilNotBusy(call, attempts);
  if (!expected.includes(answer.status)) throw new Error(`expected ${expected.join(' or ')}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
};

/** An account the admin makes for a test's setup: a `busy` answer is sent again (which leaves at most an unused account). */
export const newAccount = (api: ApiClient, adminKey: string, kind: string, name: string): Promise<ApiResponse> =>
  untilNotBusy(() => api.call('POST', '/v1/accounts', { key: adminKey, body: { kind, name } }));

/**
 * Walks the provider onboarding through the API: account, token, registered host. The agent token is
 * made here, as `gpuhive-agent register` makes its own, so a registration sent again after a `busy`
 * answer gets the same host.
 */
export const onboardHost = async (api: ApiClient, adminKey: string, facts: Record<string, unknown> = {}) => {
  const provider = await newAccount(api, adminKey, 'provider', 'Acme GPUs');
  const token = await untilNotBusy(() => api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey }));
  const agentToken = `gpuhive_agent_${randomBytes(32).toString('base64url')}`;
  const registration = { registrationToken: token.body.token, agentToken, ...sampleHostFacts(facts) };
  // 200: a registration sent again, answered with the host the first one made.
  const host = await untilNotBusy(() => api.call('POST', '/v1/agent/register', { body: registration }), [200, 201]);
  return {
    providerKey: provider.body.apiKey as string,
    providerId: provider.body.accountId as string,
    hostId: host.body.hostId as string,
    agentToken,
  };
};
