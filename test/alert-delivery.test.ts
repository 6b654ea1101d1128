/**
 * Issue 5's proof: a reefer's compressor fails (the simulator's compressor-failure scenario),
 * the excursion alert reaches a real local webhook receiver exactly once, signed, and its
 * resolution follows exactly once when the temperature has recovered after the repair. Batches
 * go through a real ingest over HTTP; redelivering every batch changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/log.js';
import { scenarioAt, type ScenarioSpec } from '../firmware-sim/scenarios.js';
import { startWebhookReceiver, type WebhookReceiver } from '../bench/webhook-receiver.js';
import { defaultIngestConfig } from '../ingest/config.js';
import { startIngest, type IngestHandle } from '../ingest/service.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReading } from '../ingest/test-helpers.js';
import type { Reading } from '../protocol/reading.js';
import { adminHeaders } from './support/admin-key.js';

const MINUTE = 60_000;
const SECRET = 'reefer-webhook-secret-0123456789';
const FAILURE: ScenarioSpec = { kind: 'compressor-failure', failAtMin: 60, tempNoiseC: 0.1, rhNoise: 1 };
const REPAIR_AT_MIN = 13 * 60;

/** The reefer's air temperature at minute m: the failure scenario, then after the repair a 60-minute pull-down back to the cold room's. */
function reeferTempC(m: number): number {
  if (m < REPAIR_AT_MIN) return scenarioAt(FAILURE, 7, m * MINUTE).tempC;
  const cold = scenarioAt({ kind: 'cold-room', tempNoiseC: 0.1, rhNoise: 1 }, 7, m * MINUTE).tempC;
  const fraction = Math.min(1, (m - REPAIR_AT_MIN) / 60);
  return scenarioAt(FAILURE, 7, REPAIR_AT_MIN * MINUTE).tempC * (1 - fraction) + cold * fraction;
}

describe('compressor failure → webhook', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('delivers one excursion alert and its resolution, each exactly once', async () => {
    const receiver: WebhookReceiver = await startWebhookReceiver(SECRET);
    cleanups.push(() => receiver.close());
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const config = defaultIngestConfig({
      dataDir: tmp.dir,
      http: { port: 0 },
      mqtt: { embedded: { port: 0 } },
      logLevel: 'silent',
      shelfLife: { enabled: false },
      alerts: {
        rules: [{ name: 'reefer-high', location: 'truck-*', above: 8, forMinutes: 15, clearAfterMinutes: 5, severity: 'critical' }],
        webhooks: [{ name: 'dispatch', url: receiver.url, secret: SECRET }],
        delivery: { pollIntervalMs: 100 },
      },
    });
    const ingest: IngestHandle = await startIngest(config, { logger: silentLogger() });
    cleanups.push(() => ingest.close());
    const gw = new TestGateway('reefer-7');
    await ingest.pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });

    // 15 hours of one reading a minute, one batch an hour.
    const envelopes: Buffer[] = [];
    for (let hour = 0; hour < 15; hour++) {
      const readings: Reading[] = Array.from({ length: 60 }, (_, i) => {
        const m = hour * 60 + i;
        return testReading({ sensor: 'air-return', location: 'truck-7', ts: T0 + m * MINUTE, tempC: Math.round(reeferTempC(m) * 100) / 100 });
      });
      envelopes.push(envelopeBytes(gw.next(readings)));
    }
    const post = async (body: Buffer) => {
      const res = await fetch(`${ingest.httpUrl}/api/v1/batches`, { method: 'POST', body });
      return ((await res.json()) as { status: string }).status;
    };
    for (const e of envelopes) expect(await post(e)).toBe('accepted');
    await receiver.waitFor((r) => r.some((x) => x.message.type === 'alert.resolved'), 15_000);

    // Every batch again (a gateway that lost its acks): duplicates, and nobody is told twice.
    for (const e of envelopes) expect(await post(e)).toBe('duplicate');
    await new Promise((r) => setTimeout(r, 1000));

    const excursion = receiver.received.filter((r) => r.message.alert.kind === 'temperature_excursion');
    expect(excursion.map((r) => r.message.type)).toEqual(['alert.opened', 'alert.resolved']);
    expect(receiver.received).toHaveLength(2);
    const [opened, resolved] = excursion.map((r) => r.message);
    expect(opened!.alert).toMatchObject({ status: 'open', severity: 'critical', subject: 'truck-7', details: { rule: 'reefer-high', side: 'above', limit: 8 } });
    expect(resolved!.alert).toMatchObject({ id: opened!.alert.id, status: 'resolved' });
    // Raised 15 min into the excursion and resolved 5 min after recovery, in reading time.
    const crossedAt = Array.from({ length: 15 * 60 }, (_, m) => m).find((m) => reeferTempC(m) > 8)!;
    expect(Date.parse(opened!.at)).toBeGreaterThanOrEqual(T0 + (crossedAt + 15) * MINUTE);
    expect(Date.parse(resolved!.at)).toBeGreaterThan(T0 + REPAIR_AT_MIN * MINUTE);
    for (const r of receiver.received) {
      expect(r.signature).toEqual({ ok: true });
      expect(r.status).toBe(204);
    }
    const deliveries = (await (await fetch(`${ingest.httpUrl}/api/v1/alerts/deliveries`, { headers: adminHeaders(ingest) })).json()) as { deliveries: Array<{ status: string; attempts: number }> };
    expect(deliveries.deliveries.map((d) => [d.status, d.attempts])).toEqual([['delivered', 1], ['delivered', 1]]);
  }, 60_000);
});
