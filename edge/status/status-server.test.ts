import { afterEach, describe, expect, it } from 'vitest';
import { FreshTrailError } from '../../common/errors.js';
import { silentLogger } from '../../common/log.js';
import { EdgeMetrics } from '../metrics.js';
import type { EdgeStatus } from '../status-types.js';
import type { HealthReport } from './health.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import { MIN, NOW, healthyStatus, statusConfig } from './test-fixtures.js';

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A real server on a free loopback port, fed by a status function the test can change. */
async function start(status: () => EdgeStatus = healthyStatus) {
  const metrics = new EdgeMetrics();
  const server = await startStatusServer(statusConfig({ port: 0 }), { status, registry: metrics.registry, logger: silentLogger() });
  servers.push(server);
  return { server, metrics };
}

describe('status server', () => {
  it('listens on 127.0.0.1 by default and reports the port it bound', async () => {
    const { server } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('GET /status returns the provider document as JSON, fresh on each request', async () => {
    let readings = 1;
    const { server } = await start(() => {
      const s = healthyStatus();
      s.inputs[0]!.readings = readings++;
      return s;
    });
    const res = await fetch(`${server.url}/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as EdgeStatus;
    expect(body).toEqual({ ...healthyStatus(), inputs: [{ ...healthyStatus().inputs[0], readings: 1 }, healthyStatus().inputs[1]] });
    const again = (await (await fetch(`${server.url}/status?x=1`)).json()) as EdgeStatus;
    expect(again.inputs[0]!.readings).toBe(2);
  });

  it('GET /metrics returns the injected prom-client registry in the Prometheus text format', async () => {
    const { server, metrics } = await start();
    metrics.readings.inc({ input: 'cold-rooms-rs485' }, 3);
    metrics.batchesSealed.inc();
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    const text = await res.text();
    expect(text).toContain('# TYPE freshtrail_edge_readings_total counter');
    expect(text).toContain('freshtrail_edge_readings_total{input="cold-rooms-rs485"} 3');
    expect(text).toContain('freshtrail_edge_batches_sealed_total 1');
  });

  it('GET /healthz answers 200 when healthy and 503 with reasons when not', async () => {
    let status = healthyStatus();
    const { server } = await start(() => status);
    const ok = await fetch(`${server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ healthy: true, reasons: [], warnings: [] });

    status = healthyStatus();
    status.outbox.full = true;
    status.outbox.oldestUnackedTs = NOW - 45 * MIN;
    const bad = await fetch(`${server.url}/healthz`);
    expect(bad.status).toBe(503);
    const report = (await bad.json()) as HealthReport;
    expect(report.healthy).toBe(false);
    expect(report.reasons.map((r) => r.check)).toEqual(['outbox', 'backlog']);
  });

  it('uses the configured health thresholds', async () => {
    const status = healthyStatus();
    status.outbox.oldestUnackedTs = NOW - 45 * MIN;
    const config = statusConfig({ port: 0 });
    const server = await startStatusServer(
      { ...config, health: { ...config.health, maxUnackedAgeMs: 60 * MIN } },
      { status: () => status, registry: new EdgeMetrics().registry, logger: silentLogger() },
    );
    servers.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers HEAD without a body, 405 to other methods and 404 to unknown paths', async () => {
    const { server } = await start();
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');

    const post = await fetch(`${server.url}/status`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');

    const missing = await fetch(`${server.url}/api/v1/health`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'FT_ERR_NOT_FOUND', message: 'no route /api/v1/health; this server answers /status, /metrics, /healthz' } });
  });

  it('turns a failing status provider into 500 on /status and 503 on /healthz, and keeps serving', async () => {
    let fail = true;
    const { server } = await start(() => {
      if (fail) throw new Error('outbox closed');
      return healthyStatus();
    });
    const status = await fetch(`${server.url}/status`);
    expect(status.status).toBe(500);
    expect(await status.json()).toEqual({ error: { code: 'FT_ERR_INTERNAL', message: 'the agent cannot report its status: outbox closed' } });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as HealthReport).reasons).toEqual([{ check: 'status', message: 'the agent cannot report its status: outbox closed' }]);
    fail = false;
    expect((await fetch(`${server.url}/status`)).status).toBe(200);
  });

  it('refuses a port in use with FT_ERR_PORT_IN_USE naming the port and the status.port key', async () => {
    const { server } = await start();
    const err = await startStatusServer(statusConfig({ port: server.port }), { status: healthyStatus, registry: new EdgeMetrics().registry, logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FreshTrailError);
    expect((err as FreshTrailError).code).toBe('FT_ERR_PORT_IN_USE');
    expect((err as Error).message).toContain(`port ${server.port} on 127.0.0.1 is already in use`);
    expect((err as Error).message).toContain('status.port');
  });

  it('refuses a host that is not an address of this machine with a message naming status.host', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a local interface; nothing is sent.
    const err = await startStatusServer(statusConfig({ host: '192.0.2.1', port: 0 }), { status: healthyStatus, registry: new EdgeMetrics().registry, logger: silentLogger() }).catch((e: unknown) => e);
    expect((err as FreshTrailError).code).toBe('FT_ERR_CONFIG');
    expect((err as Error).message).toContain('status.host 192.0.2.1');
  });

  it('close() frees the port at once even with a keep-alive connection open, and may be called twice', async () => {
    const { server } = await start();
    await (await fetch(`${server.url}/metrics`)).text(); // fetch keeps the connection alive
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${server.url}/status`)).rejects.toThrow();
  });
});
