/**
 * Silent-sensor alerts on a real SQLite store fed through the real pipeline (receipt clock
 * injected): a sensor that stops reporting raises one alert, bumped while it stays silent and
 * resolved once it reports again; late and redelivered batches never move "last heard" back;
 * one sensor name behind two gateways is two sensors; a person's resolution of a removed
 * sensor's alert holds; the location filter applies.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { Reading } from '../../protocol/reading.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { CommittedBatch } from '../store/types.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReading } from '../test-helpers.js';
import { SensorActivityConsumer } from './sensor-activity.js';
import { SilentSensorMonitor, type SilentSensorMonitorOptions } from './silent-sensors.js';

const MINUTE = 60_000;

describe('silent sensors', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let pipeline: IngestPipeline;
  let consumer: SensorActivityConsumer;
  let clock: number;
  let position: number;
  const gateways = new Map<string, TestGateway>();

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    clock = T0;
    pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), now: () => clock, limits: { maxEnvelopeBytes: 1024 * 1024, maxClockSkewMs: 1e12, maxQuarantinePerGateway: 10 } });
    for (const id of ['gw-a', 'gw-b']) {
      const gw = new TestGateway(id);
      gateways.set(id, gw);
      await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    }
    consumer = new SensorActivityConsumer({ store, logger: silentLogger() });
    position = 0;
  });
  afterEach(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  const monitor = (over: Partial<SilentSensorMonitorOptions> = {}) => new SilentSensorMonitor({ store, afterMinutes: 30, severity: 'warning', logger: silentLogger(), ...over });
  /** At minute `at`, gateway `gw` delivers one reading of each sensor (taken a minute earlier); the consumer runs. */
  const report = async (at: number, gw: string, sensors: Array<Partial<Reading>>): Promise<CommittedBatch[]> => {
    clock = T0 + at * MINUTE;
    const readings = sensors.map((s) => testReading({ ts: clock - MINUTE, ...s }));
    expect((await pipeline.submit(envelopeBytes(gateways.get(gw)!.next(readings)), { transport: 'mqtt' })).status).toBe('accepted');
    const batches = await store.committedBatchesAfter(position, 100);
    position = batches.at(-1)!.position;
    await consumer.consume(batches);
    return batches;
  };
  const at = (minute: number) => T0 + minute * MINUTE;
  const alerts = () => store.listAlerts({ kind: 'sensor_silent', limit: 100 });

  it('raises one alert for a sensor that stops reporting, bumps it while silent, and resolves it when the sensor reports again', async () => {
    const check = monitor();
    for (let m = 0; m <= 10; m++) await report(m, 'gw-a', [{ sensor: 's1' }, { sensor: 's2' }]);
    for (let m = 11; m <= 20; m++) await report(m, 'gw-a', [{ sensor: 's2' }]); // s1's battery dies after minute 10
    expect((await check.runOnce(at(40))).silent).toBe(0); // s1 silent for exactly 30 min: not yet
    expect(await check.runOnce(at(41))).toMatchObject({ silent: 1, opened: 1 });
    expect(await check.runOnce(at(51))).toMatchObject({ silent: 2, opened: 1, bumped: 1 }); // s2 silent since minute 20 now
    await check.runOnce(at(60));
    const raised = (await alerts()).find((a) => a.details.sensor === 's1')!;
    expect(await alerts()).toHaveLength(2);
    expect(raised).toMatchObject({
      kind: 'sensor_silent',
      severity: 'warning',
      status: 'open',
      subject: 'cold-room-1',
      gateway: 'gw-a',
      dedupeKey: 'silent:gw-a:cold-room-1:s1',
      openedAt: at(41),
      lastSeenAt: at(60),
      occurrences: 3,
      details: { gateway: 'gw-a', location: 'cold-room-1', sensor: 's1', lastReadingAt: new Date(at(9)).toISOString(), lastReceivedAt: new Date(at(10)).toISOString() },
    });
    expect(raised.message).toBe(
      'sensor "s1" at cold-room-1 (gateway "gw-a") has sent nothing for 50 min: check its battery and probe cable; ' +
        "if the gateway's other sensors are silent too, check the gateway's power and network. " +
        'If the sensor was removed for good, resolve this alert: it is not raised again until the sensor reports and falls silent anew.',
    );

    await report(61, 'gw-a', [{ sensor: 's1' }]); // new battery
    expect(await alerts()).toEqual(expect.arrayContaining([expect.objectContaining({ dedupeKey: 'silent:gw-a:cold-room-1:s1', status: 'resolved', resolvedAt: at(61) })]));
    expect(await check.runOnce(at(62))).toMatchObject({ silent: 1, opened: 0, bumped: 1 }); // only s2
    // Silent again later: a new silence, a new alert.
    expect(await check.runOnce(at(95))).toMatchObject({ silent: 2, opened: 1 });
    expect((await alerts()).filter((a) => a.dedupeKey === 'silent:gw-a:cold-room-1:s1').map((a) => a.status)).toEqual(['open', 'resolved']);
  });

  it('never moves last heard back for a redelivered or late batch', async () => {
    const first = await report(0, 'gw-a', [{ sensor: 's1' }]);
    await report(20, 'gw-a', [{ sensor: 's1' }]);
    await consumer.consume(first); // redelivered
    clock = at(25); // a late batch of older readings, taken at minute 1
    const late = [testReading({ sensor: 's1', ts: at(1) })];
    expect((await pipeline.submit(envelopeBytes(gateways.get('gw-a')!.next(late)), { transport: 'mqtt' })).status).toBe('accepted');
    const lateBatches = await store.committedBatchesAfter(position, 100);
    await consumer.consume(lateBatches);
    await consumer.consume(first);
    expect(await store.listSensorActivity({ limit: 10 })).toEqual([{ gateway: 'gw-a', location: 'cold-room-1', sensor: 's1', lastTs: at(19), lastReceivedAt: at(25) }]);
    // Silence counts from the late batch's arrival (minute 25), not from minute 20.
    expect((await monitor().runOnce(at(54))).silent).toBe(0);
    expect((await monitor().runOnce(at(56))).silent).toBe(1);
  });

  it('keeps sensors of different gateways apart, though they share a name', async () => {
    await report(0, 'gw-a', [{ sensor: 's1' }]);
    await report(0, 'gw-b', [{ sensor: 's1' }]);
    await report(40, 'gw-a', [{ sensor: 's1' }]); // gw-b went offline
    await monitor().runOnce(at(45));
    expect((await alerts()).map((a) => [a.dedupeKey, a.gateway, a.status])).toEqual([['silent:gw-b:cold-room-1:s1', 'gw-b', 'open']]);
    await report(46, 'gw-a', [{ sensor: 's1' }]); // gw-a's s1 reporting does not end gw-b's silence
    expect((await alerts())[0]!.status).toBe('open');
    await report(47, 'gw-b', [{ sensor: 's1' }]);
    expect((await alerts())[0]!.status).toBe('resolved');
  });

  it('does not reopen the alert of a removed sensor once a person resolved it, nor raise long-forgotten silences', async () => {
    await report(0, 'gw-a', [{ sensor: 's1' }, { sensor: 'old-probe', location: 'cold-room-2' }]);
    await report(1, 'gw-a', [{ sensor: 's1' }]);
    // The check is enabled ten days later: old-probe's silence began before forgetAfterDays.
    const check = monitor({ forgetAfterDays: 7 });
    await report(10 * 24 * 60, 'gw-a', [{ sensor: 's1', location: 'cold-room-2' }]);
    expect(await check.runOnce(at(10 * 24 * 60 + 1))).toMatchObject({ silent: 2, opened: 0, forgotten: 2 });

    // s1 at cold-room-2 is removed for good; a person resolves its alert.
    const removedAt = 10 * 24 * 60;
    expect(await check.runOnce(at(removedAt + 45))).toMatchObject({ opened: 1 });
    const [alert] = await alerts();
    expect(alert).toMatchObject({ dedupeKey: 'silent:gw-a:cold-room-2:s1', status: 'open' });
    await store.actOnAlert(alert!.id, { action: 'resolve', by: 'ana', at: at(removedAt + 50), note: 'probe removed' });
    for (const later of [removedAt + 51, removedAt + 120, removedAt + 3 * 24 * 60, removedAt + 30 * 24 * 60]) {
      expect(await check.runOnce(at(later))).toMatchObject({ opened: 0, bumped: 0 });
    }
    expect((await alerts()).map((a) => [a.status, a.resolvedBy])).toEqual([['resolved', 'ana']]);

    // Plugged back in, then silent again: a new silence, a new alert.
    const back = removedAt + 31 * 24 * 60;
    await report(back, 'gw-a', [{ sensor: 's1', location: 'cold-room-2' }]);
    expect(await check.runOnce(at(back + 31))).toMatchObject({ opened: 1 });
    expect((await alerts()).map((a) => a.status)).toEqual(['open', 'resolved']);
  });

  it('watches only the configured locations', async () => {
    await report(0, 'gw-a', [{ sensor: 's1', location: 'cold-room-1' }, { sensor: 's1', location: 'dock-1' }, { sensor: 's1', location: 'cold-room-2' }]);
    expect(await monitor({ locations: 'cold-*' }).runOnce(at(31))).toMatchObject({ silent: 2, opened: 2 });
    expect(await monitor({ locations: 'dock-1' }).runOnce(at(31))).toMatchObject({ silent: 1, opened: 1 });
    expect((await alerts()).map((a) => a.subject).sort()).toEqual(['cold-room-1', 'cold-room-2', 'dock-1']);
  });

  it('resolves an alert whose sensor is no longer silent by the current settings', async () => {
    await report(0, 'gw-a', [{ sensor: 's1' }]);
    await monitor({ afterMinutes: 30 }).runOnce(at(40));
    expect(await monitor({ afterMinutes: 60 }).runOnce(at(41))).toMatchObject({ silent: 0, resolved: 1 });
    expect((await alerts())[0]).toMatchObject({ status: 'resolved', resolvedAt: at(41) });
  });

  it('resolves the alert it opens when the sensor is heard while the check runs', async () => {
    await report(0, 'gw-a', [{ sensor: 's1' }]);
    // The sensor's next batch lands between the check's listing and its raise (the consumer may run on another instance).
    const list = store.listSensorActivity.bind(store);
    let landed = false;
    const racing = Object.assign(Object.create(store) as SqliteStore, {
      listSensorActivity: async (...args: Parameters<SqliteStore['listSensorActivity']>) => {
        const rows = await list(...args);
        if (!landed) {
          landed = true;
          await report(40, 'gw-a', [{ sensor: 's1' }]);
        }
        return rows;
      },
    });
    expect(await monitor({ store: racing }).runOnce(at(40))).toMatchObject({ silent: 1, opened: 1, resolved: 1 });
    expect((await alerts())[0]).toMatchObject({ status: 'resolved' });
  });
});
