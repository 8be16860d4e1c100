/**
 * Helpers for tests that talk to a runtime through its HTTP API only: no AWS SDK, no runtime
 * module. A file that runs `npm start` in a child process (test/e2e) or only polls imports these without loading
 * the whole backend into its process (about a second of CPU per file, the SDK clients most of
 * it); test/support/local-runtime.ts re-exports them.
 */
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

/** Walks the provider onboarding through the API: account, token, registered host. */
export const onboardHost = async (api: ApiClient, adminKey: string, facts: Record<string, unknown> = {}) => {
  const provider = await api.call('POST', '/v1/accounts', { key: adminKey, body: { kind: 'provider', name: 'Acme GPUs' } });
  const token = await api.call('POST', '/v1/hosts/registration-tokens', { key: provider.body.apiKey });
  const host = await api.call('POST', '/v1/agent/register', { body: { registrationToken: token.body.token, ...sampleHostFacts(facts) } });
  if (host.status !== 201) throw new Error(`registration failed: ${JSON.stringify(host.body)}`);
  return {
    providerKey: provider.body.apiKey as string,
    providerId: provider.body.accountId as string,
    hostId: host.body.hostId as string,
    agentToken: host.body.agentToken as string,
  };
};
