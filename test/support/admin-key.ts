/** Test support: the Authorization header of the first admin API key an ingest wrote at start (docs/security.md). */
import { readFileSync } from 'node:fs';

export function adminHeaders(ingest: { adminKeyFile?: string }): Record<string, string> {
  if (!ingest.adminKeyFile) throw new Error('this ingest wrote no admin key at start (auth disabled, or the store had one)');
  return { authorization: `Bearer ${readFileSync(ingest.adminKeyFile, 'utf8').trim()}` };
}
