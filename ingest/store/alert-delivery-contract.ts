/**
 * Contract tests of alert events and deliveries (alert-delivery-types.ts), run by the SQLite and
 * the PostgreSQL store alike. Call `describeAlertDeliveryContract(name, open)` from a *.test.ts file.
 */
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-helpers.js';
import type { AlertInput } from './integrity-types.js';
import { storePerTest, type OpenedStore } from './store-contract.js';
import type { Store } from './types.js';

const alert = (over: Partial<AlertInput> = {}): AlertInput => ({
  kind: 'temperature_excursion',
  severity: 'warning',
  subject: 'truck-1',
  dedupeKey: 'rule:reefer:truck-1',
  message: 'truck-1: temperature above 5 °C',
  at: T0,
  ...over,
});

export function describeAlertDeliveryContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store alert delivery contract: ${name}`, () => {
    let store: Store;
    storePerTest(open, (s) => (store = s));

    it('writes one event per change a person should hear of, in order, with the alert as it stood', async () => {
      let heard = 0;
      const stop = store.onAlertEvent(() => heard++);
      const { alert: first } = await store.raiseAlert(alert());
      await store.raiseAlert(alert({ at: T0 + 1 })); // a bump: no event
      await store.raiseAlert(alert({ at: T0 + 2, severity: 'critical' })); // escalated
      await store.raiseAlert(alert({ at: T0 + 3, severity: 'critical' })); // a bump again
      await store.actOnAlert(first.id, { action: 'acknowledge', by: 'ana', at: T0 + 4 });
      await store.actOnAlert(first.id, { action: 'acknowledge', by: 'bo', at: T0 + 5 }); // no change: no event
      expect(await store.resolveAlert(first.dedupeKey, T0 + 6)).toBe(true);
      expect(await store.resolveAlert(first.dedupeKey, T0 + 7)).toBe(false);
      stop();
      await store.raiseAlert(alert({ dedupeKey: 'other', at: T0 + 8 }));

      const events = await store.alertEventsAfter(0, 100);
      expect(events.map((e) => [e.type, e.at, e.alert.id === first.id])).toEqual([
        ['opened', T0, true],
        ['escalated', T0 + 2, true],
        ['acknowledged', T0 + 4, true],
        ['resolved', T0 + 6, true],
        ['opened', T0 + 8, false],
      ]);
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
      expect(events[0]!.alert).toMatchObject({ status: 'open', severity: 'warning', occurrences: 1 });
      expect(events[2]!.alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ana', severity: 'critical', occurrences: 4 });
      expect(events[3]!.alert).toMatchObject({ status: 'resolved', resolvedAt: T0 + 6 });
      expect(heard).toBe(4);
      expect(await store.alertEventsAfter(events[3]!.id, 100)).toEqual([events[4]]);
      expect(await store.latestAlertEventId()).toBe(events[4]!.id);
      expect(await store.latestAlertEventId(events[0]!.createdAt)).toBe(0);
    });

    it('raises many alerts in one call as raiseAlert would one by one, in order', async () => {
      let heard = 0;
      const stop = store.onAlertEvent(() => heard++);
      await store.raiseAlert(alert({ dedupeKey: 'a' }));
      const raised = await store.raiseAlerts([
        alert({ dedupeKey: 'a', at: T0 + 1, severity: 'critical' }), // escalates the open one
        alert({ dedupeKey: 'b', at: T0 + 2 }),
        alert({ dedupeKey: 'b', at: T0 + 3, message: 'again' }), // a bump of the one just opened
      ]);
      stop();
      expect(raised.map((r) => [r.opened, r.alert.dedupeKey, r.alert.occurrences, r.alert.severity])).toEqual([
        [false, 'a', 2, 'critical'],
        [true, 'b', 1, 'warning'],
        [false, 'b', 2, 'warning'],
      ]);
      expect(raised[2]!.alert.message).toBe('again');
      expect((await store.alertEventsAfter(0, 100)).map((e) => [e.type, e.alert.dedupeKey, e.at])).toEqual([
        ['opened', 'a', T0],
        ['escalated', 'a', T0 + 1],
        ['opened', 'b', T0 + 2],
      ]);
      expect(heard).toBeGreaterThanOrEqual(2); // listeners hear of each commit with events
      expect(await store.raiseAlerts([])).toEqual([]);
    });

    it('queues deliveries per channel with a compare-and-set position, one per (channel, event)', async () => {
      await store.raiseAlert(alert());
      await store.raiseAlert(alert({ dedupeKey: 'b' }));
      const [e1, e2] = await store.alertEventsAfter(0, 10);
      expect(await store.channelPosition('webhook:ops')).toBeUndefined();
      expect(await store.queueDeliveries('webhook:ops', undefined, [e1!.id], e1!.id, T0)).toBe(true);
      // A second instance that read the old position is refused and writes nothing.
      expect(await store.queueDeliveries('webhook:ops', undefined, [e1!.id], e1!.id, T0)).toBe(false);
      expect(await store.queueDeliveries('webhook:ops', 0, [e2!.id], e2!.id, T0)).toBe(false);
      expect(await store.channelPosition('webhook:ops')).toBe(e1!.id);
      // An event already queued is left as it is.
      expect(await store.queueDeliveries('webhook:ops', e1!.id, [e1!.id, e2!.id], e2!.id, T0 + 5)).toBe(true);
      expect(await store.queueDeliveries('mqtt', undefined, [e2!.id], e2!.id, T0)).toBe(true);

      const pending = await store.pendingDeliveries('webhook:ops', 10);
      expect(pending.map((d) => [d.eventId, d.status, d.attempts, d.nextAttemptAt])).toEqual([
        [e1!.id, 'pending', 0, T0],
        [e2!.id, 'pending', 0, T0 + 5],
      ]);
      expect(pending[0]!.event).toEqual(e1);
      expect((await store.pendingDeliveries('mqtt', 10)).map((d) => d.eventId)).toEqual([e2!.id]);
    });

    it('records attempts: retry later, delivered, dead; a dead delivery can be retried', async () => {
      await store.raiseAlert(alert());
      await store.raiseAlert(alert({ dedupeKey: 'b' }));
      const [e1, e2] = await store.alertEventsAfter(0, 10);
      await store.queueDeliveries('webhook:ops', undefined, [e1!.id, e2!.id], e2!.id, T0);
      const [d1, d2] = await store.pendingDeliveries('webhook:ops', 10);

      expect(await store.recordDeliveryAttempt(d1!.id, { status: 'pending', at: T0 + 1, nextAttemptAt: T0 + 1001, error: 'HTTP 503' })).toBe(true);
      expect((await store.pendingDeliveries('webhook:ops', 10))[0]).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 1001, lastError: 'HTTP 503' });
      expect(await store.recordDeliveryAttempt(d1!.id, { status: 'delivered', at: T0 + 1002 })).toBe(true);
      // A late second outcome of the same attempt changes nothing.
      expect(await store.recordDeliveryAttempt(d1!.id, { status: 'dead', at: T0 + 1003, error: 'late' })).toBe(false);
      expect(await store.recordDeliveryAttempt(d2!.id, { status: 'dead', at: T0 + 2000, error: 'HTTP 410 Gone' })).toBe(true);
      expect(await store.pendingDeliveries('webhook:ops', 10)).toEqual([]);

      const all = await store.listDeliveries({ limit: 10 });
      expect(all.map((d) => [d.eventId, d.status, d.attempts, d.finishedAt, d.lastError])).toEqual([
        [e2!.id, 'dead', 1, T0 + 2000, 'HTTP 410 Gone'],
        [e1!.id, 'delivered', 2, T0 + 1002, undefined],
      ]);
      expect((await store.listDeliveries({ status: 'dead', limit: 10 })).map((d) => d.id)).toEqual([d2!.id]);
      expect(await store.listDeliveries({ channel: 'mqtt', limit: 10 })).toEqual([]);

      const retried = await store.retryDelivery(d2!.id, T0 + 3000);
      expect(retried).toMatchObject({ retried: true, delivery: { status: 'pending', attempts: 0, nextAttemptAt: T0 + 3000, lastError: 'HTTP 410 Gone' } });
      expect(retried!.delivery.finishedAt).toBeUndefined();
      // Only a dead delivery goes back; a delivered one stays delivered.
      expect(await store.retryDelivery(d1!.id, T0 + 3000)).toMatchObject({ retried: false, delivery: { status: 'delivered' } });
      expect(await store.retryDelivery(999_999, T0)).toBeUndefined();
    });

    it('retention deletes finished deliveries and then the events no delivery refers to; pending ones stay', async () => {
      await store.raiseAlert(alert({ dedupeKey: 'a' }));
      await store.raiseAlert(alert({ dedupeKey: 'b' }));
      await store.raiseAlert(alert({ dedupeKey: 'c' }));
      const [ea, eb, ec] = await store.alertEventsAfter(0, 10);
      await store.queueDeliveries('webhook:ops', undefined, [ea!.id, eb!.id], ec!.id, T0);
      const [da] = await store.pendingDeliveries('webhook:ops', 10);
      await store.recordDeliveryAttempt(da!.id, { status: 'delivered', at: T0 + 1 });
      const later = Date.now() + 60_000;

      expect(await store.pruneRecords('alert_deliveries', T0 + 10, 100)).toBe(1); // a's; b's is pending
      expect(await store.pruneRecords('alert_events', later, 100)).toBe(2); // a's and c's; b's has a pending delivery
      expect((await store.alertEventsAfter(0, 10)).map((e) => e.id)).toEqual([eb!.id]);
      expect((await store.pendingDeliveries('webhook:ops', 10)).map((d) => d.eventId)).toEqual([eb!.id]);
    });
  });
}
