/** Acknowledging and resolving alerts over HTTP, with who and when. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import { openTestApi, type TestApi } from './test-api.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('HTTP API: alert lifecycle', () => {
  let api: TestApi;
  let clock: number;
  beforeEach(async () => {
    clock = T0 + 1000;
    api = await openTestApi({ now: () => clock });
  });
  afterEach(() => api.close());

  const act = (id: number | string, action: string, payload: object) => api.app.inject({ method: 'POST', url: `/api/v1/alerts/${id}/${action}`, payload });

  it('acknowledges and resolves an alert once each, naming who and when', async () => {
    const { alert } = await api.store.raiseAlert({ kind: 'gap', severity: 'warning', gateway: 'gw-1', dedupeKey: 'gap:gw-1:3-4', message: 'batches 3–4 missing', at: T0 });
    const acked = await act(alert.id, 'acknowledge', { by: 'ana@farm', note: 'gateway rebooting' });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ changed: true, alert: { status: 'acknowledged', acknowledgedBy: 'ana@farm', acknowledgedAt: iso(T0 + 1000), note: 'gateway rebooting' } });
    clock += 5000;
    expect((await act(alert.id, 'acknowledge', { by: 'bo' })).json()).toMatchObject({ changed: false, alert: { acknowledgedBy: 'ana@farm' } });
    expect((await act(alert.id, 'resolve', { by: 'bo' })).json()).toMatchObject({ changed: true, alert: { status: 'resolved', resolvedBy: 'bo', resolvedAt: iso(T0 + 6000) } });
    expect((await api.app.inject('/api/v1/alerts?status=resolved')).json().alerts).toHaveLength(1);
  });

  it('explains an unknown field, an unknown alert and an unknown action', async () => {
    expect((await act(1, 'resolve', { who: 'bo' })).statusCode).toBe(400); // the name is optional ("by"): the caller's identity is recorded
    const unknown = await act(4242, 'resolve', { by: 'bo' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toContain('GET /api/v1/alerts');
    expect((await act(1, 'snooze', { by: 'bo' })).statusCode).toBe(404);
    expect((await act('abc', 'resolve', { by: 'bo' })).statusCode).toBe(400);
  });
});
