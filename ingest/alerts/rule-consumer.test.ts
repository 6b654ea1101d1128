/**
 * Alert rules on a real SQLite store fed through the real pipeline: a reefer whose compressor
 * fails raises exactly one excursion alert, which resolves once the temperature has recovered;
 * a short spike raises none; the worst of two sensors decides; a rule bound to a commodity
 * applies only while the location holds it.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import { defaultIngestConfig, type AlertRule } from '../config.js';
import { IngestMetrics } from '../metrics.js';
import { IngestPipeline } from '../pipeline.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite.js';
import type { Reading } from '../../protocol/reading.js';
import { T0, TestGateway, envelopeBytes, tempDir, testReading } from '../test-helpers.js';
import { AlertRuleConsumer } from './rule-consumer.js';

const MINUTE = 60_000;
const rule = (over: Partial<AlertRule> = {}): AlertRule =>
  defaultIngestConfig({ alerts: { rules: [{ name: 'reefer-high', location: 'truck-*', above: 8, ...over }] } }).alerts.rules[0]!;

describe('AlertRuleConsumer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let pipeline: IngestPipeline;
  let gw: TestGateway;
  let position: number;

  beforeEach(async () => {
    tmp = tempDir();
    store = openSqliteStore({ path: join(tmp.dir, 'ingest.sqlite') });
    pipeline = new IngestPipeline({ store, metrics: new IngestMetrics(), logger: silentLogger(), limits: { maxEnvelopeBytes: 1024 * 1024, maxClockSkewMs: 1e12, maxQuarantinePerGateway: 10 } });
    gw = new TestGateway('truck-gw');
    await pipeline.enroll({ id: gw.id, publicKey: gw.publicKey });
    position = 0;
  });
  afterEach(async () => {
    await pipeline.close();
    await store.close();
    tmp.cleanup();
  });

  /** One reading a minute at `location` from minute `start`, temperatures temp(minute). */
  const minutes = (location: string, start: number, count: number, temp: (m: number) => number, sensor = 's1'): Reading[] =>
    Array.from({ length: count }, (_, i) => testReading({ sensor, location, ts: T0 + (start + i) * MINUTE, tempC: temp(start + i) }));
  /** Commits the readings and returns the new committed batches. */
  const commit = async (readings: Reading[]) => {
    expect((await pipeline.submit(envelopeBytes(gw.next(readings)), { transport: 'mqtt' })).status).toBe('accepted');
    const batches = await store.committedBatchesAfter(position, 100);
    position = batches.at(-1)!.position;
    return batches;
  };
  const alerts = () => store.listAlerts({ limit: 10 });

  it('raises one alert when a reefer\'s compressor fails and resolves it when the temperature recovers', async () => {
    const consumer = new AlertRuleConsumer({ store, rules: [rule()], logger: silentLogger() });
    // 10 min at 3 °C, then the compressor fails: 40 min rising to 12 °C and staying there.
    const failing = (m: number) => (m < 10 ? 3 : Math.min(12, 3 + (m - 10)));
    const first = await commit(minutes('truck-7', 0, 30, failing));
    await consumer.consume(first);
    expect(await alerts()).toEqual([]); // above 8 °C since minute 16: not yet for 15 minutes
    const second = await commit(minutes('truck-7', 30, 20, failing));
    await consumer.consume(second);
    expect(await alerts()).toMatchObject([{ kind: 'temperature_excursion', status: 'open', subject: 'truck-7', dedupeKey: 'rule:reefer-high:truck-7' }]);
    await consumer.consume([...first, ...second]); // redelivered: still one alert
    // Repaired: back to 3 °C.
    await consumer.consume(await commit(minutes('truck-7', 50, 20, () => 3)));
    const [alert, ...others] = await alerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ status: 'resolved', details: { peak: 12, side: 'above', limit: 8 } });
    // Above 8 °C from minute 16 (9 °C); raised 15 minutes later.
    expect(alert!.openedAt).toBe(T0 + 31 * MINUTE);
    expect(alert!.resolvedAt).toBe(T0 + 55 * MINUTE);
  });

  it('ignores a short spike, follows the worst sensor, and applies a commodity rule only where the commodity is', async () => {
    const consumer = new AlertRuleConsumer({ store, rules: [rule({ forMinutes: 10 }), rule({ name: 'berries-cold', location: undefined, above: undefined, below: 0, commodity: 'strawberry' })], logger: silentLogger() });
    // A door opening: 5 minutes at 10 °C.
    await consumer.consume(await commit(minutes('truck-9', 0, 20, (m) => (m >= 5 && m < 10 ? 10 : 4))));
    expect(await alerts()).toEqual([]);
    // Two sensors: the front one is fine, the rear one warm for 15 minutes.
    await consumer.consume(await commit([...minutes('truck-9', 20, 15, () => 4, 'front'), ...minutes('truck-9', 20, 15, () => 9, 'rear')]));
    expect((await alerts()).map((a) => a.dedupeKey)).toEqual(['rule:reefer-high:truck-9']);
    // The peak is this excursion's (9 °C), not the earlier spike's that never raised.
    expect((await alerts())[0]!.details).toMatchObject({ side: 'above', peak: 9 });
    // Freezing at the packhouse: an alert only while strawberries are there.
    await store.createLot({ id: 'LOT-S', commodity: 'strawberry', createdAt: T0 + 100 * MINUTE, location: 'packhouse' });
    await consumer.consume(await commit(minutes('packhouse', 60, 80, () => -1)));
    const cold = (await alerts()).find((a) => a.dedupeKey === 'rule:berries-cold:packhouse');
    expect(cold).toBeDefined();
    expect(cold!.openedAt).toBe(T0 + 115 * MINUTE); // from minute 100, when the lot arrived, + 15 min
  });

  it('warns of a sensor battery running low, per location on its weakest sensor', async () => {
    const consumer = new AlertRuleConsumer({ store, rules: [rule({ name: 'battery', measure: 'battery', location: undefined, above: undefined, below: 20, forMinutes: 0, hysteresis: 5 })], logger: silentLogger() });
    const readings = Array.from({ length: 10 }, (_, i) => testReading({ sensor: 'door', location: 'cold-room-1', ts: T0 + i * MINUTE, battery: 25 - i }));
    await consumer.consume(await commit(readings));
    expect(await alerts()).toMatchObject([{ kind: 'battery_low', status: 'open', subject: 'cold-room-1', details: { side: 'below', limit: 20, peak: 19 } }]); // raised at the first reading below the limit
  });
});
