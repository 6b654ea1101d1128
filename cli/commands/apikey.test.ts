/**
 * `freshtrail apikey` on a real ingest data directory, while that ingest runs: register a party,
 * create a grower key that the running ingest accepts at once, list (no secrets), revoke (the
 * ingest refuses the key at once), usage errors; every change in the audit log as "cli".
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultIngestConfig } from '../../ingest/config.js';
import { startIngest, type IngestHandle } from '../../ingest/service.js';
import { tempDir } from '../../ingest/test-helpers.js';
import { silentLogger } from '../../common/log.js';
import { runCli } from '../../test/support/cli.js';

describe('freshtrail apikey', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('creates, lists and revokes keys on the store of a running ingest', { timeout: 30_000 }, async () => {
    const tmp = tempDir('freshtrail-apikey-');
    cleanups.push(() => tmp.cleanup());
    const dataDir = join(tmp.dir, 'ingest');
    const ingest: IngestHandle = await startIngest(defaultIngestConfig({ dataDir, http: { port: 0 }, mqtt: { embedded: { port: 0 } }, logLevel: 'silent' }), { logger: silentLogger() });
    cleanups.push(() => ingest.close());
    const whoami = (key: string) => fetch(`${ingest.httpUrl}/api/v1/whoami`, { headers: { authorization: `Bearer ${key}` } });

    expect((await runCli('apikey', 'create', '--data-dir', dataDir, '--role', 'grower', '--party', 'farm-a')).err).toMatch(/registered party/);
    const party = await runCli('apikey', 'party', '--data-dir', dataDir, '--id', 'farm-a', '--name', 'Farm A', '--location', 'farm-a/', '--location', 'urn:epc:id:sgln:0614141.');
    expect(party.out).toBe('party farm-a (Farm A): farm-a/, urn:epc:id:sgln:0614141.\n');
    const created = await runCli('apikey', 'create', '--data-dir', dataDir, '--role', 'grower', '--party', 'farm-a', '--label', 'tablet', '--days', '30');
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^ft_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/only time it is shown/);
    expect(await (await whoami(key)).json()).toMatchObject({ role: 'grower', party: 'farm-a', locations: ['farm-a/', 'urn:epc:id:sgln:0614141.'] });

    const listed = await runCli('apikey', 'list', '--data-dir', dataDir);
    expect(listed.out).toContain(`${key.slice(3, 15)}\tgrower\tfarm-a\ttablet`);
    expect(listed.out).not.toContain(key.slice(16));

    expect((await runCli('apikey', 'revoke', '--data-dir', dataDir, '--id', key.slice(3, 15))).out).toMatch(/revoked/);
    expect((await whoami(key)).status).toBe(401);
    expect((await runCli('apikey', 'revoke', '--data-dir', dataDir, '--id', key.slice(3, 15))).code).toBe(1);
    expect((await runCli('apikey', 'create', '--data-dir', dataDir, '--role', 'king')).code).toBe(2);
    expect((await runCli('apikey', 'create', '--data-dir', dataDir, '--role', 'regulator', '--scopes', 'keys:admin')).err).toMatch(/role regulator has no scope keys:admin/);

    const audit = (await ingest.store.listAudit({ actor: 'cli', limit: 10 })).map((e) => e.action);
    expect(audit).toEqual(['party.upsert', 'apikey.create', 'apikey.revoke']);
  });
});
