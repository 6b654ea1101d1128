/** Test support: the Authorization header of the first admin API key an ingest wrote at start (docs/security.md). */
import { keyFileHeader } from '../../cli/ingest-client.js';

export function adminHeaders(ingest: { adminKeyFile?: string }): Record<string, string> {
  if (!ingest.adminKeyFile) throw new Error('this ingest has no admin key file (auth is disabled)');
  return keyFileHeader(ingest.adminKeyFile);
}
