/**
 * The ingest's dashboard routes in-process (app.inject): the pages and assets with their CSP
 * and caching, a clear page when the assets were never built, and the two read routes the
 * dashboard added (GET /api/v1/lots, GET /api/v1/anchoring/targets).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../ingest/http/test-api.js';
import { tempDir, T0 } from '../../ingest/test-helpers.js';

describe('dashboard routes', () => {
  let api: TestApi;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await api?.close();
    for (const c of cleanups.splice(0)) c();
  });

  const fakeBuild = (): string => {
    const tmp = tempDir('ft-web-');
    cleanups.push(tmp.cleanup);
    mkdirSync(join(tmp.dir, 'assets'));
    writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><script type="module" src="/assets/main-AB12.js"></script>');
    writeFileSync(join(tmp.dir, 'assets', 'main-AB12.js'), 'console.log("dashboard")');
    writeFileSync(join(tmp.dir, 'assets', 'main-AB12.js.gz'), gzipSync('console.log("dashboard")'));
    return tmp.dir;
  };

  it('serves index.html for the app\'s pages with a CSP of its own: scripts from this origin only, RPC nodes reachable', async () => {
    api = await openTestApi({ services: { dashboardDir: fakeBuild(), anchorTargets: [{ name: 'anvil', chainId: 31337, contract: `0x${'11'.repeat(20)}`, rpcUrl: 'http://127.0.0.1:8545' }] } });
    for (const url of ['/', '/lots/LOT-1', '/trace/LOT-1', '/recalls', '/recalls/3', '/alerts', '/gateways', '/signin']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('/assets/main-AB12.js');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const csp = String((await api.app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/connect-src 'self' https: http:\/\/127\.0\.0\.1:8545/);
    // The API keeps its own strict policy.
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/health' })).headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('serves hashed assets for a year, gzipped when accepted, and nothing outside the assets', async () => {
    api = await openTestApi({ services: { dashboardDir: fakeBuild() } });
    const plain = await api.app.inject({ method: 'GET', url: '/assets/main-AB12.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe('console.log("dashboard")');
    expect(plain.headers['content-type']).toMatch(/^text\/javascript/);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const gz = await api.app.inject({ method: 'GET', url: '/assets/main-AB12.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload).toEqual(gzipSync('console.log("dashboard")'));
    for (const url of ['/assets/missing-1.js', '/assets/..%2Findex.html', '/assets/main-AB12.js.gz', '/assets/x.html']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });

  it('says how to build the dashboard when its assets are missing', async () => {
    const empty = tempDir('ft-web-none-');
    cleanups.push(empty.cleanup);
    api = await openTestApi({ services: { dashboardDir: empty.dir } });
    const res = await api.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(200);
  });

  it('lists lots at risk first with where each is now (GET /api/v1/lots)', async () => {
    api = await openTestApi();
    await api.store.createLot({ id: 'B', commodity: 'apple', createdAt: T0, location: 'room-1' });
    await api.store.createLot({ id: 'A', commodity: 'strawberry', createdAt: T0, location: 'truck-7' });
    await api.store.createLot({ id: 'C', commodity: 'apple', createdAt: T0, location: 'room-1' });
    const f = { usedFraction: 0.5, waterLossPct: 1, chillDegreeHours: 0, quality: 7, throughTs: T0 + 1000 };
    await api.store.saveShelfLife({ series: [], freshness: [{ lot: 'B', ...f, remainingDays: 30 }, { lot: 'A', ...f, remainingDays: 1.2 }], history: [] });
    const res = await api.app.inject({ method: 'GET', url: '/api/v1/lots' });
    expect(res.statusCode).toBe(200);
    const { lots } = res.json() as { lots: Array<{ id: string; freshness?: { remainingDays: number }; holders: Array<{ location: string }> }> };
    expect(lots.map((l) => l.id)).toEqual(['A', 'B', 'C']);
    expect(lots[0]).toMatchObject({ commodity: 'strawberry', freshness: { remainingDays: 1.2, quality: 7, through: new Date(T0 + 1000).toISOString() }, holders: [{ location: 'truck-7', since: new Date(T0).toISOString() }] });
    expect(lots[2]!.freshness).toBeUndefined();
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/lots?limit=1' })).json().lots).toHaveLength(1);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/lots?limit=0' })).statusCode).toBe(400);
  });

  it('names the anchoring targets for verifiers, without an RPC URL that carries credentials', async () => {
    api = await openTestApi({ services: { anchorTargets: [
      { name: 'anvil', chainId: 31337, contract: `0x${'11'.repeat(20)}`, rpcUrl: 'http://127.0.0.1:8545' },
      { name: 'private', chainId: 10, contract: `0x${'22'.repeat(20)}`, rpcUrl: 'https://user:secret@rpc.example' },
    ] } });
    const { targets } = (await api.app.inject({ method: 'GET', url: '/api/v1/anchoring/targets' })).json() as { targets: Array<Record<string, string>> };
    expect(targets).toEqual([
      { name: 'anvil', chainId: '31337', contract: `0x${'11'.repeat(20)}`, rpcUrl: 'http://127.0.0.1:8545' },
      { name: 'private', chainId: '10', contract: `0x${'22'.repeat(20)}` },
    ]);
  });
});
