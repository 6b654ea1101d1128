/**
 * GET /api/v1/alerts/stream over a real listening server: new events arrive as server-sent
 * events in id order, a client that reconnects with Last-Event-ID gets exactly what it missed,
 * and closing the app ends open streams. GET /alerts/deliveries and POST …/retry (dead letters).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../store/integrity-types.js';
import { T0 } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';
import { collectServerSentEvents as collect } from '../../test/support/sse.js';

const alert = (key: string, over: Partial<AlertInput> = {}): AlertInput => ({
  kind: 'temperature_excursion',
  severity: 'warning',
  subject: key,
  dedupeKey: key,
  message: `${key}: too warm`,
  at: T0,
  ...over,
});

describe('alert event stream and deliveries API', () => {
  let api: TestApi;
  let base: string;

  beforeEach(async () => {
    api = await openTestApi({ services: { alertPollIntervalMs: 50 } });
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await api.close();
  });

  it('streams new alert events as they are written, and resumes after Last-Event-ID', async () => {
    await api.store.raiseAlert(alert('before-connect'));
    const controller = new AbortController();
    const response = await fetch(`${base}/api/v1/alerts/stream`, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = collect(response);

    const { alert: a } = await api.store.raiseAlert(alert('truck-7'));
    await api.store.actOnAlert(a.id, { action: 'acknowledge', by: 'ana', at: T0 + 1 });
    await expect.poll(() => first.events.length, { timeout: 3000 }).toBe(2);
    const messages = first.events.map((e) => JSON.parse(e.data) as { id: number; type: string; alert: { subject: string } });
    expect(first.events.map((e) => e.event)).toEqual(['alert', 'alert']);
    expect(messages.map((m) => [m.type, m.alert.subject])).toEqual([['alert.opened', 'truck-7'], ['alert.acknowledged', 'truck-7']]);
    expect(first.events.map((e) => Number(e.id))).toEqual(messages.map((m) => m.id));
    controller.abort();
    await first.done;

    // Missed while disconnected: the dashboard reconnects naming the last id it saw.
    await api.store.resolveAlert('truck-7', T0 + 2);
    const again = new AbortController();
    const resumed = collect(await fetch(`${base}/api/v1/alerts/stream`, { signal: again.signal, headers: { 'last-event-id': first.events[1]!.id! } }));
    await expect.poll(() => resumed.events.length, { timeout: 3000 }).toBe(1);
    expect(JSON.parse(resumed.events[0]!.data)).toMatchObject({ type: 'alert.resolved', alert: { status: 'resolved' } });
    again.abort();
    await resumed.done;

    // ?after=0: everything kept, from the oldest.
    const all = new AbortController();
    const replay = collect(await fetch(`${base}/api/v1/alerts/stream?after=0`, { signal: all.signal }));
    await expect.poll(() => replay.events.length, { timeout: 3000 }).toBe(4);
    all.abort();
    await replay.done;
  });

  it('ends open streams when the service closes', async () => {
    const stream = collect(await fetch(`${base}/api/v1/alerts/stream`));
    await api.app.close();
    await stream.done; // would hang if the stream stayed open
  });

  it('lists deliveries (status=dead is the dead-letter list) and retries a dead one', async () => {
    await api.store.raiseAlert(alert('truck-7'));
    const [event] = await api.store.alertEventsAfter(0, 10);
    await api.store.queueDeliveries('webhook:ops', undefined, [event!.id], event!.id, T0);
    const [delivery] = await api.store.pendingDeliveries('webhook:ops', 10);
    await api.store.recordDeliveryAttempt(delivery!.id, { status: 'dead', at: T0 + 5, error: 'HTTP 410 Gone (refused: not retried)' });

    const dead = await api.app.inject({ url: '/api/v1/alerts/deliveries?status=dead' });
    expect(dead.statusCode).toBe(200);
    expect(dead.json().deliveries).toEqual([
      expect.objectContaining({ id: delivery!.id, channel: 'webhook:ops', status: 'dead', attempts: 1, lastError: 'HTTP 410 Gone (refused: not retried)', finishedAt: new Date(T0 + 5).toISOString(), event: expect.objectContaining({ id: event!.id, type: 'alert.opened' }) }),
    ]);

    const retried = await api.app.inject({ method: 'POST', url: `/api/v1/alerts/deliveries/${delivery!.id}/retry` });
    expect(retried.statusCode).toBe(200);
    expect(retried.json().delivery).toMatchObject({ status: 'pending', attempts: 0 });
    const twice = await api.app.inject({ method: 'POST', url: `/api/v1/alerts/deliveries/${delivery!.id}/retry` });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.message).toMatch(/is pending, not dead/);
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/alerts/deliveries/999/retry' })).statusCode).toBe(404);
    expect((await api.app.inject({ url: '/api/v1/alerts/deliveries?status=lost' })).statusCode).toBe(400);
  });
});
