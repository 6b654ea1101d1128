/**
 * Alert delivery through a real SQLite store to a real local webhook receiver (and the embedded
 * MQTT broker): each event once and in order, signed; retries with backoff and Retry-After;
 * refusals and exhausted attempts go to the dead-letter list and can be retried; filters; a
 * new channel does not replay old history.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../bench/webhook-receiver.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import { excursionAlert, T0, tempDir } from '../test-helpers.js';
import { mqttChannel, webhookChannel, type DeliveryChannel, type EventFilter } from './channels.js';
import { AlertDeliveryJob, backoffMs, type RetryPolicy } from './delivery-job.js';
import { DeliveryMetrics } from './delivery-metrics.js';
import { scrapedValue } from '../../test/support/metrics.js';

const SECRET = 'test-secret-0123456789abcdef';
const FAST: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 20, maxBackoffMs: 100 };

const alert = excursionAlert;

describe('AlertDeliveryJob', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let receiver: WebhookReceiver;
  let registry: Registry;
  const jobs: AlertDeliveryJob[] = [];

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    receiver = await startWebhookReceiver(SECRET);
    registry = new Registry();
  });
  afterEach(async () => {
    await Promise.all(jobs.splice(0).map((j) => j.stop()));
    await receiver.close();
    await store.close();
    tmp.cleanup();
  });

  const webhook = (filter: EventFilter = {}, url = receiver.url): DeliveryChannel =>
    webhookChannel({ name: 'ops', url, secret: SECRET, timeoutMs: 2000, userAgent: 'FreshTrail/test', ...filter });
  const start = (channels: DeliveryChannel[], policy = FAST): AlertDeliveryJob => {
    const job = new AlertDeliveryJob({ store, channels, policy, pollIntervalMs: 50, backfillMs: 60_000, metrics: new DeliveryMetrics(registry), logger: silentLogger() });
    job.start();
    jobs.push(job);
    return job;
  };
  const types = () => receiver.accepted().map((r) => r.message.type);

  it('delivers each event of an alert once, in order, signed, with the alert as it stood', async () => {
    start([webhook()]);
    const { alert: opened } = await store.raiseAlert(alert());
    await store.raiseAlert(alert({ at: T0 + 60_000 })); // a bump: nobody is told again
    await store.actOnAlert(opened.id, { action: 'acknowledge', by: 'ana@coolchain', at: T0 + 120_000 });
    await store.resolveAlert(opened.dedupeKey, T0 + 180_000);
    await receiver.waitFor((r) => r.length >= 3);
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives

    expect(types()).toEqual(['alert.opened', 'alert.acknowledged', 'alert.resolved']);
    expect(receiver.received).toHaveLength(3);
    for (const r of receiver.received) {
      expect(r.signature).toEqual({ ok: true });
      expect(r.headers['freshtrail-event-id']).toBe(String(r.message.id));
      expect(r.headers['freshtrail-delivery-attempt']).toBe('1');
      expect(r.headers['content-type']).toBe('application/json');
    }
    const [o, a, z] = receiver.received.map((r) => r.message);
    expect(o!.alert).toMatchObject({ id: opened.id, status: 'open', kind: 'temperature_excursion', subject: 'truck-7', openedAt: new Date(T0).toISOString() });
    expect(a!.alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ana@coolchain', occurrences: 2 });
    expect(z!.alert).toMatchObject({ status: 'resolved', resolvedAt: new Date(T0 + 180_000).toISOString() });
    expect((await store.listDeliveries({ limit: 10 })).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(scrapedValue(await registry.metrics(), 'freshtrail_alert_delivery_attempts_total', { channel: 'webhook:ops', outcome: 'delivered' })).toBe(3);
  });

  it('retries a failing receiver with backoff, honours Retry-After, and keeps later events behind the failing one', async () => {
    // 503 twice, then 429 with Retry-After: 1 s, then accepted.
    receiver.respond = ({ count }) => (count <= 2 ? 503 : count === 3 ? { status: 429, headers: { 'retry-after': '1' } } : 200);
    start([webhook()]);
    await store.raiseAlert(alert());
    await store.resolveAlert(alert().dedupeKey, T0 + 1);
    await receiver.waitFor((r) => r.filter((x) => x.status === 200).length >= 2, 8000);

    expect(receiver.received.map((r) => [r.message.type, r.status, r.headers['freshtrail-delivery-attempt']])).toEqual([
      ['alert.opened', 503, '1'],
      ['alert.opened', 503, '2'],
      ['alert.opened', 429, '3'],
      ['alert.opened', 200, '4'],
      ['alert.resolved', 200, '1'],
    ]);
    // The fourth attempt waited for the receiver's Retry-After, not the 20–100 ms backoff.
    expect(receiver.received[3]!.receivedAt - receiver.received[2]!.receivedAt).toBeGreaterThanOrEqual(950);
    expect(scrapedValue(await registry.metrics(), 'freshtrail_alert_delivery_attempts_total', { channel: 'webhook:ops', outcome: 'retry' })).toBe(3);
  });

  it('sends a refused delivery to the dead-letter list at once, and again on request; later events go on', async () => {
    receiver.respond = ({ message }) => (message.type === 'alert.opened' ? 410 : 204);
    start([webhook()]);
    await store.raiseAlert(alert());
    await store.resolveAlert(alert().dedupeKey, T0 + 1);
    await receiver.waitFor((r) => r.some((x) => x.message.type === 'alert.resolved'));
    const [dead] = await store.listDeliveries({ status: 'dead', limit: 10 });
    expect(dead).toMatchObject({ attempts: 1, event: { type: 'opened' } });
    expect(dead!.lastError).toMatch(/HTTP 410.*refused: not retried/);

    receiver.respond = () => 204;
    await store.retryDelivery(dead!.id, Date.now());
    await receiver.waitFor((r) => r.filter((x) => x.message.type === 'alert.opened' && x.status === 204).length === 1);
    expect(await store.listDeliveries({ status: 'dead', limit: 10 })).toEqual([]);
  });

  it('declares a delivery dead after maxAttempts failures, naming the last error', async () => {
    receiver.respond = () => 500;
    start([webhook()], { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 20 });
    await store.raiseAlert(alert());
    await receiver.waitFor((r) => r.length >= 3);
    await expect.poll(async () => (await store.listDeliveries({ status: 'dead', limit: 10 })).length, { timeout: 5000 }).toBe(1);
    const [dead] = await store.listDeliveries({ status: 'dead', limit: 10 });
    expect(dead).toMatchObject({ attempts: 3, lastError: 'HTTP 500 Internal Server Error (after 3 attempts)' });
    await new Promise((r) => setTimeout(r, 150));
    expect(receiver.received).toHaveLength(3);
  });

  it('keeps events for a receiver that is down and delivers them, in order, once it is back', async () => {
    const downUrl = receiver.url;
    await receiver.close();
    start([webhook({}, downUrl)], { maxAttempts: 100, initialBackoffMs: 20, maxBackoffMs: 50 });
    await store.raiseAlert(alert());
    await store.raiseAlert(alert({ dedupeKey: 'second', subject: 'truck-8' }));
    await expect.poll(async () => (await store.pendingDeliveries('webhook:ops', 10))[0]?.attempts ?? 0, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const [head] = await store.pendingDeliveries('webhook:ops', 10);
    expect(head!.lastError).toMatch(/ECONNREFUSED|fetch failed/);
    expect((await store.pendingDeliveries('webhook:ops', 10))[1]!.attempts).toBe(0); // waits behind the first

    // The receiver comes back on the same port.
    const port = Number(new URL(downUrl).port);
    receiver = await startWebhookReceiverOn(port);
    await receiver.waitFor((r) => r.length >= 2);
    expect(receiver.received.map((r) => r.message.alert.subject)).toEqual(['truck-7', 'truck-8']);
  });

  it('filters by severity, kind and event type', async () => {
    start([webhook({ minSeverity: 'critical', events: ['opened', 'escalated'] })]);
    await store.raiseAlert(alert()); // warning: not wanted
    await store.raiseAlert(alert({ dedupeKey: 'fork:gw:3', kind: 'fork', severity: 'critical' }));
    await store.raiseAlert(alert({ severity: 'critical' })); // the warning escalates: its escalated event is critical
    await store.resolveAlert('fork:gw:3', T0 + 5); // resolved events not wanted
    await receiver.waitFor((r) => r.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.map((r) => [r.message.type, r.message.alert.kind])).toEqual([
      ['alert.opened', 'fork'],
      ['alert.escalated', 'temperature_excursion'],
    ]);
  });

  it('starts a new channel with recent events only, not the whole history', async () => {
    await store.raiseAlert(alert({ dedupeKey: 'old' }));
    // Backdate the first event beyond the backfill window (60 s in these tests).
    store.db.prepare('UPDATE alert_events SET created_at = created_at - 3600000').run();
    await store.raiseAlert(alert({ dedupeKey: 'recent', subject: 'truck-9' }));
    start([webhook()]);
    await receiver.waitFor((r) => r.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.map((r) => r.message.alert.subject)).toEqual(['truck-9']);
  });

  it('publishes to the MQTT topic <prefix>/<severity>/<kind> with QoS 1', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'alert-watcher' });
    try {
      await subscriber.subscribeAsync('freshtrail/v1/alerts/critical/#', { qos: 1 });
      const got: Array<{ topic: string; type: string }> = [];
      subscriber.on('message', (topic, payload) => got.push({ topic, type: (JSON.parse(payload.toString()) as { type: string }).type }));
      start([mqttChannel({ url: broker.url, topicPrefix: 'freshtrail/v1/alerts', clientId: 'freshtrail-alerts-test', timeoutMs: 2000 })]);
      await store.raiseAlert(alert()); // warning: published, but not to the critical/# subscription
      await store.raiseAlert(alert({ dedupeKey: 'fork:gw:3', kind: 'fork', severity: 'critical' }));
      await expect.poll(() => got.length, { timeout: 5000 }).toBe(1);
      expect(got).toEqual([{ topic: 'freshtrail/v1/alerts/critical/fork', type: 'alert.opened' }]);
      await expect.poll(async () => (await store.listDeliveries({ channel: 'mqtt', status: 'delivered', limit: 10 })).length, { timeout: 5000 }).toBe(2);
    } finally {
      await subscriber.endAsync();
      await Promise.all(jobs.splice(0).map((j) => j.stop()));
      await broker.close();
    }
  });
});

describe('backoffMs', () => {
  it('doubles from the initial delay up to the cap, with ±20 % jitter', () => {
    const policy = { maxAttempts: 10, initialBackoffMs: 1000, maxBackoffMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(policy, a, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffMs(policy, 1, () => 0)).toBe(800);
    expect(backoffMs(policy, 1, () => 1)).toBe(1200);
  });
});

/** A receiver on a given port (the one a stopped receiver had). */
async function startWebhookReceiverOn(port: number): Promise<WebhookReceiver> {
  for (let i = 0; i < 50; i++) {
    const r = await startWebhookReceiver(SECRET, () => 204, port).catch(() => undefined);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`port ${port} did not become free`);
}
