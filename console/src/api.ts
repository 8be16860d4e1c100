import type { Page, Role } from './types.ts';

/** The API's error shape, kept whole so forms can show each bad field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { field?: string; message?: string }[] = [],
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
  /** Every page of a list, following `nextCursor` (bounded, so a huge list cannot hang the page). */
  all<T>(path: string, maxPages?: number): Promise<T[]>;
}

const errorOf = async (response: Response): Promise<ApiError> => {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: { field?: string; message?: string }[] }; message?: string };
    if (body.error) return new ApiError(response.status, body.error.code ?? 'error', body.error.message ?? response.statusText, body.error.details ?? []);
    return new ApiError(response.status, 'error', body.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, 'error', `${response.status} ${response.statusText}`);
  }
};

/** The public API on this origin, as the holder of `key`. */
export const createApi = (key: string): Api => {
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await errorOf(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  };
  const api: Api = {
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body ?? {}, headers),
    patch: (path, body) => call('PATCH', path, body),
    del: async (path) => void (await call('DELETE', path)),
    all: async <T>(path: string, maxPages = 20) => {
      const items: T[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < maxPages; page++) {
        const separator = path.includes('?') ? '&' : '?';
        const result: Page<T> = await api.get(`${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        items.push(...result.items);
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      return items;
    },
  };
  return api;
};

/** A key's prefix names its role (gpuhive_renter_...); the API then proves the key works. */
export const roleOfKey = (key: string): Role | undefined =>
  (['renter', 'provider', 'finance', 'admin'] as const).find((role) => key.startsWith(`gpuhive_${role}_`));

export interface SignedIn {
  readonly role: Role;
  readonly name: string;
  readonly accountId: string;
}

/**
 * Checks a key against the API. Account keys read their own account; the admin key has no
 * account, so it is proven by an empty account creation, which only an admin gets as far as
 * a 400 for (nothing is created).
 */
export const signIn = async (key: string): Promise<SignedIn> => {
  const role = roleOfKey(key.trim());
  if (!role) throw new ApiError(400, 'validation_failed', 'This is not a gpuhive API key: keys start with gpuhive_renter_, gpuhive_provider_, gpuhive_finance_ or gpuhive_admin_.');
  const api = createApi(key.trim());
  if (role === 'admin') {
    try {
      await api.post('/v1/accounts', {});
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) return { role, name: 'Administrator', accountId: 'admin' };
      throw error;
    }
    throw new ApiError(500, 'unexpected', 'The admin check created nothing but did not answer as expected.');
  }
  const account = await api.get<{ accountId: string; name: string; kind: string }>('/v1/accounts/me');
  return { role, name: account.name, accountId: account.accountId };
};
