/**
 * The identity subcommands of the CLI, run in-process through cli/main.ts against a real ingest
 * API listening on a free port: token → edge join → requests → approve → revoke, and the usage
 * and ingest errors a person sees.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import type { SqliteStore } from '../../ingest/store/sqlite.js';
import { tempDir } from '../../ingest/test-helpers.js';
import { keyFingerprint } from '../../protocol/join.js';
import { runCli } from '../../test/support/cli.js';

/** Key files of the gateways the tests create. */
const tmp = tempDir('freshtrail-cli-');
let api: TestApi;
let store: SqliteStore;
let url: string;

beforeAll(async () => {
  api = await openTestApi({ limits: { maxQuarantinePerGateway: 10 } });
  ({ store } = api);
  url = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api.close();
  tmp.cleanup();
});

const cli = runCli;

describe('freshtrail gateway token / requests / approve / revoke and edge join', () => {
  it('joins a gateway with a token, approves it, then revokes it', async () => {
    const keyFile = join(tmp.dir, 'gw.key');
    expect((await cli('keygen', '--out', keyFile)).code).toBe(0);

    const issued = await cli('gateway', 'token', '--label', 'farm C', '--ttl', '600', '--url', url);
    expect(issued.code).toBe(0);
    const { token } = JSON.parse(issued.out) as { token: string };

    const joined = await cli('edge', 'join', '--url', url, '--token', token, '--key', keyFile, '--id', 'gw-cli', '--label', 'dock 3');
    expect(joined).toMatchObject({ code: 0, err: '' });
    const publicKey = (await store.listJoinRequests('pending'))[0]!.publicKey;
    expect(joined.out).toContain(`join request 1 sent for gateway "gw-cli", key fingerprint ${keyFingerprint(publicKey)}`);

    const listed = await cli('gateway', 'requests', '--url', url);
    expect(JSON.parse(listed.out).requests).toEqual([expect.objectContaining({ id: 1, gateway: 'gw-cli', fingerprint: keyFingerprint(publicKey), tokenLabel: 'farm C', label: 'dock 3' })]);

    const approved = await cli('gateway', 'approve', '--id', '1', '--url', url);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.out)).toMatchObject({ gateway: { id: 'gw-cli', publicKey } });

    const revoked = await cli('gateway', 'revoke', '--id', 'gw-cli', '--reason', 'lost in transit', '--effective-at', '2026-01-15T08:00:00Z', '--url', url);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({ status: 'revoked', gateway: { revocation: { effectiveAt: '2026-01-15T08:00:00.000Z', reason: 'lost in transit' } } });
  });

  it('joins with the id and key of an edge config file, and a used token fails with the ingest message', async () => {
    const keyFile = join(tmp.dir, 'cfg.key');
    await cli('keygen', '--out', keyFile);
    const config = join(tmp.dir, 'edge.json');
    await writeFile(
      config,
      JSON.stringify({ gateway: { id: 'gw-config', keyFile }, dataDir: join(tmp.dir, 'edge'), forward: { http: { url } }, inputs: [{ type: 'mqtt', name: 'z', url: 'mqtt://127.0.0.1:1', format: 'zigbee2mqtt' }] }),
    );
    const { token } = JSON.parse((await cli('gateway', 'token', '--url', url)).out) as { token: string };
    const joined = await cli('edge', 'join', '--url', url, '--token', token, '--config', config);
    // stderr first: when the join fails, its message is what says why.
    expect(joined.err).toBe('');
    expect(joined.code).toBe(0);
    expect(joined.out).toContain('gateway "gw-config"');
    const again = await cli('edge', 'join', '--url', url, '--token', token, '--config', config);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/ingest answered 403: FT_ERR_JOIN_TOKEN this join token was already used/);
    const rejected = await cli('gateway', 'reject', '--id', '2', '--url', url);
    expect(JSON.parse(rejected.out)).toMatchObject({ id: 2, gateway: 'gw-config', status: 'rejected' });
  });

  it('refuses incomplete or malformed options with exit code 2', async () => {
    expect(await cli('gateway', 'revoke', '--id', 'gw', '--url', url)).toMatchObject({ code: 2, err: expect.stringContaining('--id and --reason are required') });
    expect((await cli('gateway', 'revoke', '--id', 'gw', '--reason', 'x', '--effective-at', 'yesterday', '--url', url)).err).toContain('--effective-at must be an ISO 8601 time');
    expect((await cli('gateway', 'approve', '--url', url)).code).toBe(2);
    expect((await cli('gateway', 'token', '--ttl', 'soon', '--url', url)).code).toBe(2);
    expect((await cli('edge', 'join', '--url', url, '--token', 't')).err).toContain('give --config, or --key and --id');
    const missing = await cli('gateway', 'approve', '--id', '999', '--url', url);
    expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('FT_ERR_NOT_FOUND') });
  });
});
