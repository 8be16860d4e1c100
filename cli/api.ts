import { randomUUID } from 'node:crypto';
import { ApiError, UnreachableError } from './errors.ts';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Repeating this request changes nothing more (a service's PATCH, a stop), whatever its method: a busy answer is tried again. */
  readonly repeatable?: boolean;
}

const USER_AGENT = 'gpuhive-cli/0.1';

/** Answers that mean "try again shortly": throttled, or the API or its gateway busy for a moment. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** Waits between tries when the answer names none in `Retry-After`; four tries in all. */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000];
const MAX_RETRY_AFTER_MS = 10_000;

/** What the CLI says before it tries a busy request again. */
export interface RetryNotice {
  readonly status: number;
  readonly code: string;
  readonly waitMs: number;
  /** The try about to be made, 2 for the first retry. */
  readonly attempt: number;
  readonly attempts: number;
}

export interface RetryOptions {
  readonly sleep: (ms: number) => Promise<void>;
  readonly onRetry?: (notice: RetryNotice) => void;
}

/**
 * Repeating the request cannot do twice what it does: a read, a PUT or DELETE, a POST with an
 * Idempotency-Key (the API answers with what the first try made), or one its caller marks.
 */
const safeToRepeat = (method: string, { headers = {}, repeatable = false }: RequestOptions): boolean =>
  repeatable || ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method) || Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');

const retryAfterMs = (response: Response): number | undefined => {
  const seconds = Number(response.headers.get('retry-after') ?? NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1_000, MAX_RETRY_AFTER_MS) : undefined;
};

/** Typed calls to the public API: JSON in and out, errors as `ApiError` with the API's code and fields. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string | undefined,
    private readonly fetchFn: Fetch = fetch,
    private readonly retry?: RetryOptions,
  ) {}

  url(path: string, query: Query = {}): string {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const text = search.toString();
    return `${this.baseUrl}${path}${text ? `?${text}` : ''}`;
  }

  /** One call; a busy answer (429, 502-504) is tried again, up to four tries, where repeating it is safe. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const retry = this.retry && safeToRepeat(method, options) ? this.retry : undefined;
    for (let attempt = 1; ; attempt += 1) {
      const { response, text, body } = await this.send(method, path, options);
      if (response.ok) return body as T;
      const error = errorOf(response.status, body, text);
      const backoff = RETRY_DELAYS_MS[attempt - 1];
      if (!retry || backoff === undefined || !RETRYABLE_STATUSES.has(response.status)) throw error;
      const waitMs = retryAfterMs(response) ?? backoff;
      retry.onRetry?.({ status: response.status, code: error.code, waitMs, attempt: attempt + 1, attempts: RETRY_DELAYS_MS.length + 1 });
      await retry.sleep(waitMs);
    }
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<{ response: Response; text: string; body: unknown }> {
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: {
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(this.key ? { authorization: `Bearer ${this.key}` } : {}),
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(`Cannot reach the API at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { response, text, body };
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  post<T>(path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {}, ...(headers ? { headers } : {}) });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
}

const errorOf = (status: number, body: unknown, text: string): ApiError => {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') {
    const details = Array.isArray(error.details)
      ? error.details.filter((detail): detail is { field: string; message: string } => typeof detail?.field === 'string' && typeof detail?.message === 'string')
      : [];
    return new ApiError(status, error.code, typeof error.message === 'string' ? error.message : '', details);
  }
  // The gateway's own 401/403/413/429 bodies ({"message": ...}) and anything else.
  const message = (body as { message?: unknown } | undefined)?.message;
  return new ApiError(status, `http_${status}`, typeof message === 'string' ? message : text.slice(0, 200) || `HTTP ${status}`);
};

/** The Idempotency-Key of a create: the one given, or a new one, so the CLI's own retries make one thing. */
export const idempotencyKey = (given?: string): Record<string, string> => ({ 'idempotency-key': given ?? randomUUID() });

/** Every page of a `{ items, nextCursor }` list, up to `max` items. */
export const allPages = async <T>(api: ApiClient, path: string, query: Query, max: number): Promise<T[]> => {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.get<{ items: T[]; nextCursor: string | null }>(path, { ...query, limit: Math.min(100, max - items.length), ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return items;
};
