/**
 * API authentication and authorization end to end through the app on a real SQLite store:
 * missing, malformed, unknown, revoked and expired credentials (401 with WWW-Authenticate);
 * scopes per role (403); a grower reading only its own party's lots (another grower's lot is a
 * 404) and readings; range exports for regulators only; the audit log of lot reads, exports
 * and key changes, chained by hash; hostile path and query values answered cleanly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authenticator } from '../auth/authenticator.js';
import { generateApiKey } from '../auth/api-keys.js';
import type { Role } from '../store/auth-types.js';
import { BERRIES, commingledChain, FARM_A, SALAD, SPINACH } from '../events/chain-fixtures.js';
import { ROUTE_ACCESS } from './access.js';
import { openTestApi, type TestApi } from './test-api.js';
import { collectServerSentEvents } from '../../test/support/sse.js';

const T = Date.parse('2025-06-10T00:00:00Z');

describe('API access', () => {
  let api: TestApi;
  let clock = T;

  /** A key made directly in the store, as `freshtrail apikey create` does. */
  async function keyFor(role: Role, party?: string, over: { expiresAt?: number; scopes?: string[] } = {}): Promise<string> {
    const k = generateApiKey();
    await api.store.createApiKey({ id: k.id, label: role, role, ...(party ? { party } : {}), scopes: over.scopes ?? [], createdAt: clock, createdBy: 'test', secretHash: k.secretHash, ...(over.expiresAt ? { expiresAt: over.expiresAt } : {}) });
    return k.key;
  }
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, key?: string, payload?: unknown) =>
    api.app.inject({ method, url: `/api/v1${url}`, headers: key ? { authorization: `Bearer ${key}` } : {}, ...(payload === undefined ? {} : { payload: payload as string }) });

  beforeEach(async () => {
    clock = T;
    api = await openTestApi({ now: () => clock, limits: { maxClockSkewMs: 1e12 } });
    await api.app.close();
    // The same store and pipeline, with authentication on.
    const { buildApp } = await import('./app.js');
    const { silentLogger } = await import('../../common/log.js');
    const authenticator = new Authenticator({ store: api.store, now: () => clock });
    api.app = await buildApp({ pipeline: api.pipeline, store: api.store, metrics: api.metrics, version: 'test', startedAt: T, bodyLimitBytes: 128 * 1024, transportsReady: () => true, now: () => clock, auth: { authenticator, publicMetrics: false } }, silentLogger());
    await api.store.upsertParty({ id: 'farm-a', name: 'Farm A', locations: ['urn:epc:id:sgln:0614141.'] }, clock);
    await api.store.upsertParty({ id: 'farm-b', name: 'Farm B', locations: ['urn:epc:id:sgln:0614142.'] }, clock);
    const admin = await keyFor('admin');
    expect((await call('POST', '/events', admin, commingledChain())).statusCode).toBe(201);
  });
  afterEach(() => api.close());

  it('lists every route it serves in the access table, and only those', () => {
    for (const key of Object.keys(ROUTE_ACCESS)) {
      const [method, url] = key.split(' ') as [string, string];
      expect(api.app.hasRoute({ method: method as 'GET', url }), key).toBe(true);
    }
  });

  it('refuses missing, malformed, unknown, revoked and expired credentials with 401 and a reason', async () => {
    const missing = await call('GET', `/lots/${BERRIES}`);
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="freshtrail"');
    expect(missing.json().error).toEqual({ code: 'FT_ERR_UNAUTHENTICATED', message: expect.stringMatching(/Authorization: Bearer/) });

    const malformed = await api.app.inject({ method: 'GET', url: `/api/v1/lots/${BERRIES}`, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect((await call('GET', '/whoami', 'ft_short')).json().error.message).toMatch(/ft_<12 characters>_<43 characters>/);
    expect((await call('GET', '/whoami', 'eyJhbGciOiJub25lIn0.e30.')).json().error.message).toMatch(/accepts no OIDC tokens/);

    const real = await keyFor('regulator');
    const forged = `${real.slice(0, -4)}AAAA`;
    expect((await call('GET', '/whoami', forged)).json().error.message).toMatch(/unknown or wrong API key/);
    const unknown = generateApiKey().key;
    expect((await call('GET', '/whoami', unknown)).json().error.message).toBe((await call('GET', '/whoami', forged)).json().error.message.replace(real.slice(3, 15), unknown.slice(3, 15)));

    const expiring = await keyFor('regulator', undefined, { expiresAt: T + 1000 });
    expect((await call('GET', '/whoami', expiring)).statusCode).toBe(200);
    clock = T + 1000;
    const expired = await call('GET', '/whoami', expiring);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.message).toMatch(/expired at 2025-06-10T00:00:01.000Z/);

    const admin = await keyFor('admin');
    const id = real.slice(3, 15);
    const revoked = await call('POST', `/keys/${id}/revoke`, admin);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id, revokedAt: new Date(clock).toISOString() });
    expect((await call('GET', '/whoami', real)).json().error.message).toMatch(/was revoked at/);
    expect((await call('POST', `/keys/${id}/revoke`, admin)).statusCode).toBe(409);

    const counted = await api.metrics.authFailures.get();
    expect(Object.fromEntries(counted.values.map((v) => [v.labels.reason, v.value]))).toMatchObject({ missing: 1, malformed: 3, unknown_key: 3, expired: 1, revoked: 1 });
  });

  it('gives each role its scopes: 403 names the missing one', async () => {
    const regulator = await keyFor('regulator');
    const gateway = await keyFor('gateway', 'gw-1');
    const readOnlyGrower = await keyFor('grower', 'farm-a', { scopes: ['lots:read'] });
    expect((await call('GET', `/lots/${SALAD}`, regulator)).statusCode).toBe(200);
    const write = await call('POST', '/events', regulator, commingledChain());
    expect(write.statusCode).toBe(403);
    expect(write.json().error).toEqual({ code: 'FT_ERR_FORBIDDEN', message: expect.stringMatching(/\(regulator\) lacks scope lots:write for POST \/api\/v1\/events/) });
    expect((await call('GET', `/lots/${SALAD}`, gateway)).statusCode).toBe(403);
    expect((await call('GET', '/keys', regulator)).statusCode).toBe(403);
    expect((await call('GET', `/lots/${BERRIES}`, readOnlyGrower)).statusCode).toBe(200);
    expect((await call('POST', '/alerts/1/acknowledge', readOnlyGrower, { by: 'x' })).statusCode).toBe(403);
    expect((await call('GET', '/whoami', readOnlyGrower)).json()).toEqual({ actor: expect.stringMatching(/^key:/), role: 'grower', party: 'farm-a', scopes: ['lots:read'], locations: ['urn:epc:id:sgln:0614141.'] });
    // Health stays open; /metrics needs a scope.
    expect((await call('GET', '/health')).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });

  it('lets a grower read only its own party\'s lots, readings and exports', async () => {
    const growerA = await keyFor('grower', 'farm-a');
    expect((await call('GET', `/lots/${encodeURIComponent(BERRIES)}`, growerA)).statusCode).toBe(200);
    expect((await call('GET', `/lots/${encodeURIComponent(BERRIES)}/trace?direction=forward`, growerA)).statusCode).toBe(200);
    for (const other of [SPINACH, SALAD]) {
      const res = await call('GET', `/lots/${encodeURIComponent(other)}`, growerA);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toMatch(/among the lots of party "farm-a"/);
      expect((await call('GET', `/lots/${encodeURIComponent(other)}/evidence`, growerA)).statusCode).toBe(404);
    }
    expect((await call('GET', `/readings?location=${encodeURIComponent(FARM_A)}`, growerA)).statusCode).toBe(200);
    expect((await call('GET', '/readings?location=urn%3Aepc%3Aid%3Asgln%3A0614142.00001.0', growerA)).statusCode).toBe(403);
    expect((await call('GET', '/readings', growerA)).json().error.message).toMatch(/give "location"/);
    expect((await call('GET', `/exports/fsma204.csv?tlc=${encodeURIComponent(BERRIES)}`, growerA)).statusCode).toBe(200);
    expect((await call('GET', `/exports/fsma204.csv?tlc=${encodeURIComponent(BERRIES)}&tlc=${SPINACH}`, growerA)).statusCode).toBe(404);
    expect((await call('GET', '/exports/fsma204.csv?from=2025-06-01T00:00:00Z&to=2025-06-30T00:00:00Z', growerA)).statusCode).toBe(403);
    // A regulator reads everything and exports a range.
    const regulator = await keyFor('regulator');
    expect((await call('GET', `/lots/${SPINACH}`, regulator)).statusCode).toBe(200);
    expect((await call('GET', '/exports/fsma204.csv?from=2025-06-01T00:00:00Z&to=2025-06-30T00:00:00Z', regulator)).statusCode).toBe(200);
  });

  it('lets parties write at their own locations only, and shows each its part of a recall and its alerts', async () => {
    await api.store.upsertParty({ id: 'fresh-co', name: 'Fresh Co processing and DC', locations: ['urn:epc:id:sgln:0098765.'] }, clock);
    await api.store.upsertParty({ id: 'stores', name: 'Stores', locations: ['urn:epc:id:sgln:0555555.'] }, clock);
    const growerA = await keyFor('grower', 'farm-a');
    const distributor = await keyFor('distributor', 'fresh-co');
    const shop = await keyFor('distributor', 'stores');
    const harvestAtB = { ...commingledChain()[0]!, eventId: 'harvest-at-b', farmLocation: 'urn:epc:id:sgln:0614142.00001.0', subsequentRecipientLocation: 'urn:epc:id:sgln:0614142.00003.0' };
    const refused = await call('POST', '/events', growerA, harvestAtB);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/not a location of party "farm-a"/);
    expect((await call('POST', '/lots', growerA, { id: 'LOT-A1', commodity: 'strawberry', location: 'urn:epc:id:sgln:0614141.00009.0' })).statusCode).toBe(201);
    expect((await call('POST', '/lots', growerA, { id: 'LOT-B1', commodity: 'strawberry', location: 'urn:epc:id:sgln:0614142.00009.0' })).statusCode).toBe(403);

    expect((await call('POST', '/recalls', growerA, { lots: [BERRIES], reason: 'x' })).statusCode).toBe(403); // growers do not start recalls
    expect((await call('POST', '/recalls', shop, { lots: [SPINACH], reason: 'x' })).statusCode).toBe(404); // never held it
    const started = await call('POST', '/recalls', distributor, { lots: [SALAD], reason: 'Listeria in the wash line', initiatedBy: 'Dana' });
    expect(started.statusCode).toBe(201);
    const recall = started.json() as { id: number; initiatedBy: string; notices: Array<{ location: string }> };
    expect(recall.initiatedBy).toMatch(/^key:[a-z2-9]{12} \(Dana\)$/);
    expect(recall.notices.length).toBeGreaterThan(2);

    const shopView = (await call('GET', `/recalls/${recall.id}`, shop)).json() as { notices: Array<{ location: string }> };
    expect(shopView.notices.map((n) => n.location)).toEqual(['urn:epc:id:sgln:0555555.00001.0', 'urn:epc:id:sgln:0555555.00002.0']);
    expect((await call('GET', `/recalls/${recall.id}`, distributor)).json().notices).toHaveLength(recall.notices.length);
    expect((await call('GET', `/recalls/${recall.id}`, growerA)).statusCode).toBe(404);
    expect((await call('GET', '/recalls', growerA)).json()).toEqual({ recalls: [] });
    expect((await call('GET', '/recalls', shop)).json().recalls[0].progress).toEqual({ locations: 2, acknowledged: 0 });

    expect((await call('POST', `/recalls/${recall.id}/acknowledge`, shop, { location: 'urn:epc:id:sgln:0098765.00010.0' })).statusCode).toBe(403);
    const ack = await call('POST', `/recalls/${recall.id}/acknowledge`, shop, { location: 'urn:epc:id:sgln:0555555.00001.0', by: 'Sam' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().notice.acknowledgedBy).toMatch(/^key:[a-z2-9]{12} \(Sam\)$/);

    // Recall notices are alerts at each location: a party sees and acts on its own only.
    const shopAlerts = (await call('GET', '/alerts?kind=recall', shop)).json().alerts as Array<{ id: number; subject: string }>;
    expect(shopAlerts.map((a) => a.subject).sort()).toEqual(['urn:epc:id:sgln:0555555.00001.0', 'urn:epc:id:sgln:0555555.00002.0']);
    const dcAlerts = (await call('GET', '/alerts?kind=recall', distributor)).json().alerts as Array<{ id: number; subject: string }>;
    expect(dcAlerts.every((a) => a.subject.startsWith('urn:epc:id:sgln:0098765.'))).toBe(true);
    expect((await call('POST', `/alerts/${dcAlerts[0]!.id}/acknowledge`, shop, {})).statusCode).toBe(404);
    expect((await call('POST', `/alerts/${shopAlerts[1]!.id}/acknowledge`, shop, {})).statusCode).toBe(200);
    expect((await call('GET', '/alerts/deliveries', distributor)).statusCode).toBe(403);
  });

  it('streams a party only the events of its own alerts', { timeout: 20_000 }, async () => {
    await api.store.upsertParty({ id: 'stores', name: 'Stores', locations: ['urn:epc:id:sgln:0555555.'] }, clock);
    const shop = await keyFor('distributor', 'stores');
    const admin = await keyFor('admin');
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const stream = collectServerSentEvents(await fetch(`${base}/api/v1/alerts/stream?after=0`, { headers: { authorization: `Bearer ${shop}` } }));
    expect((await fetch(`${base}/api/v1/alerts/stream`)).status).toBe(401);
    const recall = await call('POST', '/recalls', admin, { lots: [SALAD], reason: 'test' });
    const notices = (recall.json() as { notices: Array<{ location: string }> }).notices.length;
    expect(notices).toBeGreaterThan(2);
    const deadline = Date.now() + 10_000;
    while (stream.events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // anything else that would arrive
    const subjects = stream.events.map((e) => (JSON.parse(e.data) as { alert: { subject: string } }).alert.subject).sort();
    expect(subjects).toEqual(['urn:epc:id:sgln:0555555.00001.0', 'urn:epc:id:sgln:0555555.00002.0']);
  });

  it('answers hostile path and query values as plain misses, not errors', async () => {
    const regulator = await keyFor('regulator');
    for (const id of ["' OR '1'='1", '1; DROP TABLE lots; --', '../../../etc/passwd', '%00', 'LOT"\\']) {
      const res = await call('GET', `/lots/${encodeURIComponent(id)}`, regulator);
      expect(res.statusCode, id).toBe(404);
      expect((await call('GET', `/exports/fsma204.csv?tlc=${encodeURIComponent(id)}`, regulator)).statusCode, id).toBe(404);
      expect((await call('GET', `/readings?location=${encodeURIComponent(id)}`, regulator)).json(), id).toEqual({ readings: [], count: 0 });
    }
    expect((await call('GET', `/lots/${SPINACH}`, regulator)).statusCode).toBe(200); // the tables are still there
  });

  it('limits requests per principal and refused credentials per address, with Retry-After', async () => {
    const { buildApp } = await import('./app.js');
    const { silentLogger } = await import('../../common/log.js');
    const authenticator = new Authenticator({ store: api.store, now: () => clock });
    const limited = await buildApp({
      pipeline: api.pipeline, store: api.store, metrics: api.metrics, version: 'test', startedAt: T, bodyLimitBytes: 128 * 1024, transportsReady: () => true, now: () => clock,
      auth: { authenticator, publicMetrics: false, rateLimit: { requestsPerSecond: 1, burst: 3, failuresPerMinute: 2 } },
    }, silentLogger());
    try {
      const regulator = await keyFor('regulator');
      const get = (key?: string) => limited.inject({ method: 'GET', url: '/api/v1/whoami', headers: key ? { authorization: `Bearer ${key}` } : {} });
      for (let i = 0; i < 3; i++) expect((await get(regulator)).statusCode).toBe(200);
      const refused = await get(regulator);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json().error.code).toBe('FT_ERR_RATE_LIMITED');
      clock += 1000;
      expect((await get(regulator)).statusCode).toBe(200);
      // Two refused credentials from one address, then 429 without a check, even for a good key.
      expect((await get(generateApiKey().key)).statusCode).toBe(401);
      expect((await get('ft_nope')).statusCode).toBe(401);
      const blocked = await get(regulator);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.message).toMatch(/too many refused credentials/);
      clock += 30_000;
      expect((await get(regulator)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('sends security headers, and refuses deep, oversized and prototype-poisoning bodies with 4xx', async () => {
    const admin = await keyFor('admin');
    const res = await call('GET', `/lots/${SALAD}`, admin);
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
    const post = (body: string, type = 'application/json') => api.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${admin}`, 'content-type': type }, payload: body });
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`; // 40 kB: under the body limit
    for (const type of ['application/json', 'application/ld+json']) {
      const refused = await post(deep, type);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toEqual({ code: 'FT_ERR_MALFORMED', message: 'the body nests deeper than 32 levels' });
      const poisoned = await post('{"cte":"harvesting","__proto__":{"admin":true}}', type);
      expect(poisoned.statusCode).toBe(400);
      expect(poisoned.json().error.message).toMatch(/"__proto__"/);
    }
    expect((await post('{"cte":')).json().error.code).toBe('FT_ERR_MALFORMED');
    const oversized = await post(JSON.stringify({ cte: 'harvesting', notes: 'x'.repeat(200 * 1024) }));
    expect(oversized.statusCode).toBe(413);
    expect(oversized.json().error.code).toBe('FT_ERR_TOO_LARGE');
    // Strings that look like nesting do not count.
    expect((await post(JSON.stringify({ cte: 'nope', text: '['.repeat(1000) }))).json().error.code).toBe('FT_ERR_SCHEMA');
  });

  it('writes an audit entry for every lot read, export and key change, chained by hash', async () => {
    const admin = await keyFor('admin');
    const growerA = await keyFor('grower', 'farm-a');
    const regulator = await keyFor('regulator');
    await call('GET', `/lots/${encodeURIComponent(BERRIES)}`, growerA);
    await call('GET', `/lots/${SPINACH}`, growerA); // refused: audited too
    await call('GET', `/exports/fsma204.csv?tlc=${encodeURIComponent(BERRIES)}`, regulator);
    const created = await call('POST', '/keys', admin, { label: 'tablet', role: 'grower', party: 'farm-b' });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json() as { key: string; id: string };
    expect(key).toMatch(/^ft_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect((await call('GET', '/whoami', key)).json()).toMatchObject({ role: 'grower', party: 'farm-b' });
    const listed = await call('GET', '/keys', admin);
    expect(listed.body).not.toContain(key.slice(16));
    expect((await call('POST', '/keys', admin, { label: 'x', role: 'grower', party: 'nobody' })).json().error.message).toMatch(/registered party/);
    expect((await call('POST', '/keys', admin, { label: 'x', role: 'regulator', scopes: ['keys:admin'] })).json().error.message).toMatch(/role regulator has no scope keys:admin/);

    const audit = await call('GET', '/audit', regulator);
    expect(audit.statusCode).toBe(200);
    const body = audit.json() as { entries: Array<{ action: string; resource: string; outcome: string; actor: string; detail?: Record<string, unknown> }>; chain: { ok: boolean } };
    expect(body.chain).toEqual({ ok: true, problems: [] });
    expect(body.entries.map((e) => `${e.action} ${e.resource} ${e.outcome}`)).toEqual([
      `lot.read ${BERRIES} 200`,
      `lot.read ${SPINACH} 404`,
      'export.fsma204 tlc=urn%3Aepc%3Aclass%3Algtin%3A0614141.107346.LOT-A 200',
      `apikey.create ${id} 201`,
      'apikey.create  400',
      'apikey.create  400',
    ]);
    expect(body.entries[3]!.detail).toEqual({ role: 'grower', party: 'farm-b', scopes: [] });
    expect(JSON.stringify(body.entries)).not.toContain(key.slice(16));
    expect((await call('GET', '/audit', growerA)).statusCode).toBe(403);
    // Reading the audit log is audited as well, refused attempts included.
    const reads = (await call('GET', '/audit?action=audit.read', admin)).json() as { entries: Array<{ outcome: string; role: string }>; chain: { ok: boolean } };
    expect(reads.entries.map((e) => `${e.role} ${e.outcome}`)).toEqual(['regulator 200', 'grower 403']);
    expect(reads.chain.ok).toBe(true);
  });
});
