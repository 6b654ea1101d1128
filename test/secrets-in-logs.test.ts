/**
 * Secrets never reach the log (docs/security.md): an ingest started with a capturing logger at
 * debug level writes its first admin API key to a file and names only the file and key id;
 * requests with good, wrong and malformed credentials, refused scopes and a key creation leave
 * no key secret in the log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateApiKey } from '../ingest/auth/api-keys.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startIngest, type IngestHandle } from '../ingest/service.js';
import { tempDir } from '../ingest/test-helpers.js';

describe('secrets in logs', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('logs no API key secret at start or on any request', { timeout: 30_000 }, async () => {
    const tmp = tempDir('freshtrail-secrets-');
    cleanups.push(() => tmp.cleanup());
    let log = '';
    const sink = new Writable({ write(chunk, _enc, done) { log += chunk.toString(); done(); } });
    const logger = pino({ level: 'debug' }, sink);
    const dataDir = join(tmp.dir, 'ingest');
    const ingest: IngestHandle = await startIngest(defaultIngestConfig({ dataDir, http: { port: 0 }, mqtt: { embedded: { port: 0 } } }), { logger });
    cleanups.push(() => ingest.close());

    const adminKey = readFileSync(ingest.adminKeyFile!, 'utf8').trim();
    const adminSecret = adminKey.slice(16);
    expect(log).toContain(ingest.adminKeyFile!);
    expect(log).toContain(adminKey.slice(3, 15)); // the key id is named

    const call = (path: string, key: string, init: RequestInit = {}) =>
      fetch(`${ingest.httpUrl}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
    const wrong = `${adminKey.slice(0, 16)}${'A'.repeat(43)}`;
    const stranger = generateApiKey().key;
    expect((await call('/whoami', adminKey)).status).toBe(200);
    expect((await call('/whoami', wrong)).status).toBe(401);
    expect((await call('/whoami', stranger)).status).toBe(401);
    expect((await call('/whoami', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0')).status).toBe(401);
    const created = await call('/keys', adminKey, { method: 'POST', body: JSON.stringify({ label: 'ops', role: 'regulator' }) });
    const regulatorKey = ((await created.json()) as { key: string }).key;
    expect((await call('/keys', regulatorKey)).status).toBe(403);
    expect((await call('/lots/nope', regulatorKey)).status).toBe(404);

    for (const secret of [adminSecret, wrong.slice(16), stranger.slice(16), regulatorKey.slice(16), 'c2VjcmV0']) expect(log).not.toContain(secret);
    expect(log.length).toBeGreaterThan(0);
  });
});
