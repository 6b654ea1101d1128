/**
 * The dashboard's client of the ingest API (/api/v1, OpenAPI at /docs). The signed-in user's
 * API key lives in sessionStorage (gone when the tab closes) and goes out as a Bearer header;
 * an answer 401 sends the user to sign in.
 */
const KEY = 'freshtrail.apiKey';
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export const apiKey = (): string | null => sessionStorage.getItem(KEY);
export const setApiKey = (key: string | null): void => (key === null ? sessionStorage.removeItem(KEY) : sessionStorage.setItem(KEY, key));

/** Called on a 401 (main.ts shows the sign-in page). */
let onUnauthenticated: () => void = () => undefined;
export const whenUnauthenticated = (f: () => void): void => {
  onUnauthenticated = f;
};

export function authHeaders(): Record<string, string> {
  const key = apiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${BASE}${path}`, { ...init, headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  if (res.ok) return res;
  let code = `HTTP_${res.status}`;
  let message = res.statusText;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON (a proxy's page): keep the status.
  }
  if (res.status === 401) onUnauthenticated();
  throw new ApiError(res.status, code, message);
}

export const get = async <T>(path: string, signal?: AbortSignal): Promise<T> => (await request(path, signal ? { signal } : {})).json() as Promise<T>;

export const post = async <T>(path: string, body: unknown = {}): Promise<T> =>
  (await request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<T>;

/** Saves an authenticated download (a link cannot carry the Bearer header) under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const enc = encodeURIComponent;
