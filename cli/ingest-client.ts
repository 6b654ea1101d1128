/** The CLI's HTTP client of a running ingest: one JSON request, errors a person can act on. */
import { readFileSync } from 'node:fs';

/** The ingest base URL: --url, else FRESHTRAIL_URL, else the local default. */
export function ingestBaseUrl(url: string | undefined): string {
  return (url ?? process.env.FRESHTRAIL_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
}

/**
 * The Authorization header for the ingest: FRESHTRAIL_API_KEY, else the key in the file
 * FRESHTRAIL_API_KEY_FILE (e.g. the ingest's first admin key, <dataDir>/admin.key); none when
 * neither is set (an ingest with auth.enabled false).
 */
export function authorizationHeader(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.FRESHTRAIL_API_KEY) return { authorization: `Bearer ${env.FRESHTRAIL_API_KEY}` };
  return env.FRESHTRAIL_API_KEY_FILE ? keyFileHeader(env.FRESHTRAIL_API_KEY_FILE) : {};
}

/** The Authorization header of the API key in a file (one line, as the ingest writes <dataDir>/admin.key). */
export function keyFileHeader(path: string): { authorization: string } {
  return { authorization: `Bearer ${readFileSync(path, 'utf8').trim()}` };
}

/** Sends one request and returns the JSON body; a non-2xx answer throws with the ingest's code and message. */
export async function requestJson(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { ...authorizationHeader(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (err) {
    throw new Error(`cannot reach the ingest at ${url}: ${(err as Error).cause ?? (err as Error).message}; is \`freshtrail ingest\` running? (--url)`);
  }
  const body: unknown = await res.json().catch(() => ({}));
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } }).error;
    const hint = res.status === 401 ? ' (set FRESHTRAIL_API_KEY, or FRESHTRAIL_API_KEY_FILE, e.g. to the ingest\'s <dataDir>/admin.key)' : '';
    throw new Error(`ingest answered ${res.status}: ${error?.code ?? ''} ${error?.message ?? JSON.stringify(body)}${hint}`);
  }
  return body;
}

/** A POST with a JSON body. */
export function postJson(url: string, body: object): Promise<unknown> {
  return requestJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
