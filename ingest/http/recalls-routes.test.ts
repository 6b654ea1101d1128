/**
 * Recalls over HTTP on the commingled chain (two farms → one salad lot → a DC → two stores):
 * recalling the farm-A berries reaches the processor that holds them, the DC that had the salad
 * and both stores that hold it — each as a critical recall alert delivered to a real webhook
 * receiver — and progress follows each location's acknowledgement.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { Registry } from 'prom-client';
import { startWebhookReceiver, type WebhookReceiver } from '../../bench/webhook-receiver.js';
import { webhookChannel } from '../alerts/channels.js';
import { AlertDeliveryJob } from '../alerts/delivery-job.js';
import { DeliveryMetrics } from '../alerts/delivery-metrics.js';
import { BERRIES, commingledChain, DC, PROCESSOR, SALAD, SPINACH, STORE_1, STORE_2 } from '../events/chain-fixtures.js';
import { openTestApi, type TestApi } from './test-api.js';

const NOW = Date.UTC(2025, 5, 5, 12);
const SECRET = 'recall-webhook-secret-0123456789';

describe('HTTP API: recalls', () => {
  let api: TestApi;
  let receiver: WebhookReceiver;
  let delivery: AlertDeliveryJob;

  beforeEach(async () => {
    api = await openTestApi({ now: () => NOW });
    receiver = await startWebhookReceiver(SECRET);
    delivery = new AlertDeliveryJob({
      store: api.store,
      channels: [webhookChannel({ name: 'recalls', url: receiver.url, secret: SECRET, timeoutMs: 2000, userAgent: 'test', kinds: ['recall'] })],
      policy: { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 50 },
      pollIntervalMs: 50,
      backfillMs: Number.MAX_SAFE_INTEGER,
      metrics: new DeliveryMetrics(new Registry()),
      logger: silentLogger(),
    });
    delivery.start();
    const recorded = await api.app.inject({ method: 'POST', url: '/api/v1/events', payload: commingledChain() });
    expect(recorded.statusCode).toBe(201);
  });
  afterEach(async () => {
    await delivery.stop();
    await receiver.close();
    await api.close();
  });

  const post = (url: string, payload: object) => api.app.inject({ method: 'POST', url: `/api/v1${url}`, payload });

  it('notifies every location that received or holds an affected lot, through the alert channels, and tracks acknowledgements', async () => {
    const started = await post('/recalls', { lots: [BERRIES], reason: 'Listeria monocytogenes found in field 7 samples', classification: 'I', initiatedBy: 'qa@farm-a' });
    expect(started.statusCode).toBe(201);
    const recall = started.json();
    expect(recall).toMatchObject({ lots: [BERRIES], classification: 'I', truncated: false, progress: { locations: 4, acknowledged: 0 } });
    expect(new Set(recall.affectedLots)).toEqual(new Set([BERRIES, SALAD])); // the spinach lot is not downstream of the berries
    expect(recall.affectedLots).not.toContain(SPINACH);
    expect(recall.notices.map((n: { location: string; heldLots: string[]; lots: string[] }) => [n.location, n.heldLots, n.lots])).toEqual(
      [
        [DC, [], [SALAD]], // had the salad, shipped it on: told to check
        [PROCESSOR, [BERRIES], [BERRIES]],
        [STORE_1, [SALAD], [SALAD]],
        [STORE_2, [SALAD], [SALAD]],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    // One critical recall alert per location reaches the webhook receiver, signed.
    await receiver.waitFor((r) => r.length >= 4);
    const subjects = receiver.received.map((r) => r.message.alert.subject).sort();
    expect(subjects).toEqual([DC, PROCESSOR, STORE_1, STORE_2].sort());
    for (const r of receiver.received) {
      expect(r.signature).toEqual({ ok: true });
      expect(r.message).toMatchObject({ type: 'alert.opened', alert: { kind: 'recall', severity: 'critical', details: { recall: recall.id } } });
    }

    const ack = await post(`/recalls/${recall.id}/acknowledge`, { location: STORE_1, by: 'manager@store-1', note: 'pulled 100 units' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({ changed: true, notice: { location: STORE_1, acknowledgedBy: 'manager@store-1', note: 'pulled 100 units' } });
    expect((await post(`/recalls/${recall.id}/acknowledge`, { location: STORE_1, by: 'someone-else' })).json()).toMatchObject({ changed: false, notice: { acknowledgedBy: 'manager@store-1' } });
    const progress = (await api.app.inject(`/api/v1/recalls/${recall.id}`)).json();
    expect(progress.progress).toEqual({ locations: 4, acknowledged: 1 });
    // The reply to the start carried the alert links the store keeps, one alert per notice.
    const alertIds = recall.notices.map((n: { alertId?: number }) => n.alertId);
    expect(alertIds.every((id: unknown) => Number.isInteger(id))).toBe(true);
    expect(new Set(alertIds).size).toBe(4);
    expect(progress.notices.map((n: { alertId?: number }) => n.alertId)).toEqual(alertIds);
    // The notice's alert is acknowledged too, and that change is delivered as well.
    const alert = (await api.app.inject('/api/v1/alerts?kind=recall')).json().alerts.find((a: { subject: string }) => a.subject === STORE_1);
    expect(alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'manager@store-1' });
    await receiver.waitFor((r) => r.some((x) => x.message.type === 'alert.acknowledged'));

    expect((await api.app.inject('/api/v1/recalls')).json().recalls).toEqual([expect.objectContaining({ id: recall.id, progress: { locations: 4, acknowledged: 1 } })]);
  });

  it('refuses unknown lots, unknown notices and bad bodies with reasons', async () => {
    const unknown = await post('/recalls', { lots: ['NO-SUCH-LOT'], reason: 'x', initiatedBy: 'qa' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toMatch(/no lot "NO-SUCH-LOT"/);
    const { id } = (await post('/recalls', { lots: [SPINACH], reason: 'E. coli O157:H7', initiatedBy: 'qa' })).json();
    const wrong = await post(`/recalls/${id}/acknowledge`, { location: 'urn:epc:id:sgln:0000000.00000.0', by: 'x' });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().error.message).toMatch(/has no notice for location/);
    expect((await post('/recalls/999/acknowledge', { location: DC, by: 'x' })).statusCode).toBe(404);
    expect((await api.app.inject('/api/v1/recalls/999')).statusCode).toBe(404);
    expect((await post('/recalls', { lots: [], reason: 'x', initiatedBy: 'qa' })).statusCode).toBe(400);
    expect((await post('/recalls', { lots: [SPINACH], reason: 'x', initiatedBy: 'qa', classification: 'IV' })).statusCode).toBe(400);
  });
});
