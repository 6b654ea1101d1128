/**
 * Who is signed in (GET /api/v1/whoami) and what the views may offer them: actions are shown
 * only with the scope the API would demand (ingest/http/access.ts), so a regulator's views are
 * read-only and a grower sees its own lots (the API filters them).
 */
import { get } from './api.js';
import type { Whoami } from './types.js';

let current: Whoami | undefined;

export async function loadSession(): Promise<Whoami> {
  current = await get<Whoami>('/whoami');
  return current;
}

export const session = (): Whoami | undefined => current;
export const clearSession = (): void => {
  current = undefined;
};

/** Whether the signed-in principal holds `scope`. */
export const can = (scope: string): boolean => current?.scopes.includes(scope) ?? false;
