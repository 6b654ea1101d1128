/**
 * Local alarms end to end on the gateway alone: the real local broker on loopback (no ingest,
 * no forwarder, no uplink), an mqtt.js client standing in for a siren controller or a local
 * dashboard, and a real child process as the hook. Time is the injected clock; readings carry
 * their own timestamps.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/config.js';
import { silentLogger } from '../../common/log.js';
import type { Reading } from '../../protocol/reading.js';
import { counterValue } from '../../test/support/metrics.js';
import { waitFor } from '../../test/support/wait.js';
import { startLocalBroker, type LocalBroker } from '../local-broker/index.js';
import { EdgeMetrics } from '../metrics.js';
import type { AlarmRuleConfig, AlarmsConfig } from './config.js';
import { AlarmEvaluator } from './evaluator.js';
import type { AlarmEvent } from './event.js';

const GW = 'farm-a-gw1';
const MIN = 60_000;
const T0 = Date.UTC(2024, 6, 1, 2, 0, 0);
const node = process.execPath;

// Strawberries keep best at 0 ± 0.5 °C, 90–95 % RH (UC Davis postharvest fact sheet, via
// reference/shelf-life.md). The room alarms after 15 minutes above 5 °C.
const warmRoom: AlarmRuleConfig = { id: 'berries-warm', location: 'cold-room-1', measure: 'tempC', above: 5, forMs: 15 * MIN };

/** Appends one JSON line per run: what the hook got on stdin and in its environment. */
const RECORD_HOOK = `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const e = process.env;
  fs.appendFileSync(process.argv[1], JSON.stringify({ stdin: input, state: e.FRESHTRAIL_ALARM_STATE, rule: e.FRESHTRAIL_ALARM_RULE,
    location: e.FRESHTRAIL_ALARM_LOCATION, value: e.FRESHTRAIL_ALARM_VALUE, secret: e.FRESHTRAIL_MQTT_PASSWORD ?? null }) + '\\n');
});`;

interface Received {
  topic: string;
  event: AlarmEvent;
  retain: boolean;
  qos: number;
}

let dir: string;
let broker: LocalBroker;
let watcher: MqttClient;
let received: Received[];
let clock: number;
let metrics: EdgeMetrics;
let evaluators: AlarmEvaluator[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ft-alarms-'));
  broker = await startLocalBroker({ enabled: true, host: '127.0.0.1', port: 0 }, { logger: silentLogger() });
  watcher = await mqtt.connectAsync(broker.url, { clientId: 'siren-controller', reconnectPeriod: 0 });
  received = [];
  watcher.on('message', (topic, payload, packet) => received.push({ topic, event: JSON.parse(payload.toString('utf8')) as AlarmEvent, retain: packet.retain, qos: packet.qos }));
  await watcher.subscribeAsync(`freshtrail/v1/gateways/${GW}/alarms/#`, { qos: 1 });
  clock = T0;
  metrics = new EdgeMetrics();
  evaluators = [];
});

afterEach(async () => {
  for (const e of evaluators) await e.stop();
  await watcher.endAsync(true);
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

function start(config: AlarmsConfig): AlarmEvaluator {
  const evaluator = new AlarmEvaluator(
    { checkIntervalMs: 20, ...config },
    { gatewayId: GW, publish: broker.publish, logger: silentLogger(), metrics, now: () => clock, env: { PATH: process.env.PATH, FRESHTRAIL_MQTT_PASSWORD: 'not-for-hooks' } },
  );
  evaluator.start();
  evaluators.push(evaluator);
  return evaluator;
}

function reading(tempC: number, ts: number, over: Partial<Reading> = {}): Reading {
  return { sensor: 'cr1-xymd02', location: 'cold-room-1', ts, tsSource: 'device', tempC, rh: 92, src: 'modbus:/dev/ttyUSB0#1', ...over };
}

/** Feeds one reading per minute from minute `from` to `to` inclusive, advancing the clock. */
function feedMinutes(e: AlarmEvaluator, from: number, to: number, tempC: number, over: Partial<Reading> = {}): void {
  for (let m = from; m <= to; m++) {
    clock = T0 + m * MIN;
    e.observe(reading(tempC, clock, over));
  }
}

/** Lets the broker deliver whatever was published (there is no message to wait for when none should come). */
async function quiet(e: AlarmEvaluator): Promise<void> {
  await e.settled();
  await new Promise((r) => setTimeout(r, 80));
}

const raisedTotal = (rule: string): Promise<number> => counterValue(metrics.alarmsRaised, { rule });
const activeGauge = async (): Promise<number> => (await metrics.alarmsActive.get()).values[0]?.value ?? 0;

describe('local alarms', () => {
  it('raises once the room has been above 5 °C for 15 minutes by reading time, not before', async () => {
    const e = start({ rules: [warmRoom] });
    feedMinutes(e, 0, 14, 6.2);
    await quiet(e);
    expect(received).toEqual([]);
    expect(e.active()).toEqual([]);

    feedMinutes(e, 15, 15, 6.8);
    await waitFor(() => received.length === 1, 'the raised alarm');
    const topic = `freshtrail/v1/gateways/${GW}/alarms/berries-warm/cold-room-1`;
    expect(received[0]).toEqual({
      topic,
      retain: false, // a live message; its retained copy is what later subscribers get
      qos: 1,
      event: { v: 1, state: 'raised', gatewayId: GW, rule: 'berries-warm', location: 'cold-room-1', measure: 'tempC', side: 'above', threshold: 5, value: 6.8, sensor: 'cr1-xymd02', peak: 6.8, since: T0, at: T0 + 15 * MIN, forMs: 15 * MIN },
    });
    expect(e.active()).toEqual([{ rule: 'berries-warm', location: 'cold-room-1', since: T0, value: 6.8 }]);
    expect(await raisedTotal('berries-warm')).toBe(1);
    expect(await activeGauge()).toBe(1);

    // A dashboard connecting later gets the current state, retained.
    const late = await mqtt.connectAsync(broker.url, { clientId: 'dashboard', reconnectPeriod: 0 });
    const retained: Array<{ topic: string; state: string; retain: boolean }> = [];
    late.on('message', (t, p, packet) => retained.push({ topic: t, state: (JSON.parse(p.toString()) as AlarmEvent).state, retain: packet.retain }));
    await late.subscribeAsync(`freshtrail/v1/gateways/${GW}/alarms/#`, { qos: 1 });
    await waitFor(() => retained.length === 1, 'the retained state');
    expect(retained).toEqual([{ topic, state: 'raised', retain: true }]);
    await late.endAsync(true);
  });

  it('raises a single alarm per excursion however many readings follow', async () => {
    const e = start({ rules: [warmRoom] });
    feedMinutes(e, 0, 90, 7.5);
    await quiet(e);
    expect(received.map((r) => r.event.state)).toEqual(['raised']);
    expect(await raisedTotal('berries-warm')).toBe(1);
  });

  it('clears only once the value is back inside by the hysteresis margin', async () => {
    const e = start({ rules: [{ ...warmRoom, hysteresis: 0.5 }] });
    feedMinutes(e, 0, 15, 6.5);
    feedMinutes(e, 16, 16, 8.1);
    feedMinutes(e, 17, 20, 4.8); // below 5 but within the margin: still raised
    await quiet(e);
    expect(received.map((r) => r.event.state)).toEqual(['raised']);
    expect(e.active()).toHaveLength(1);

    feedMinutes(e, 21, 21, 4.4);
    await waitFor(() => received.length === 2, 'the clear');
    expect(received[1]!.event).toMatchObject({ state: 'cleared', value: 4.4, peak: 8.1, since: T0, at: T0 + 21 * MIN });
    expect(e.active()).toEqual([]);
    expect(await activeGauge()).toBe(0);

    // A new excursion is a new alarm.
    feedMinutes(e, 30, 45, 5.5);
    await waitFor(() => received.length === 3, 'the second alarm');
    expect(received[2]!.event).toMatchObject({ state: 'raised', since: T0 + 30 * MIN, peak: 5.5 });
    expect(await raisedTotal('berries-warm')).toBe(2);
  });

  it('raises on the timer when a sensor stops reporting while warm, and silence never clears', async () => {
    const e = start({ rules: [warmRoom] });
    e.observe(reading(9.1, T0));
    clock = T0 + 14 * MIN;
    await quiet(e);
    expect(received).toEqual([]);

    clock = T0 + 15 * MIN; // no reading since T0: the gateway clock carries the excursion on
    await waitFor(() => received.length === 1, 'the timer-raised alarm');
    expect(received[0]!.event).toMatchObject({ state: 'raised', value: 9.1, since: T0, at: T0 + 15 * MIN });

    clock = T0 + 6 * 60 * MIN; // six silent hours
    await quiet(e);
    expect(received).toHaveLength(1);
    expect(e.active()).toEqual([{ rule: 'berries-warm', location: 'cold-room-1', since: T0, value: 9.1 }]);
  });

  it('runs the hook with the event on stdin and in FRESHTRAIL_ALARM_* variables, without the agent secrets', async () => {
    const out = join(dir, 'hook.jsonl');
    const e = start({ rules: [{ ...warmRoom, forMs: 0 }], hook: { command: [node, '-e', RECORD_HOOK, out] } });
    feedMinutes(e, 0, 0, 6.1);
    feedMinutes(e, 1, 1, 3.9);
    await e.settled();
    const runs = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string | null>);
    expect(runs.map((r) => [r.state, r.rule, r.location, r.value, r.secret])).toEqual([
      ['raised', 'berries-warm', 'cold-room-1', '6.1', null],
      ['cleared', 'berries-warm', 'cold-room-1', '3.9', null],
    ]);
    await waitFor(() => received.length === 2, 'both MQTT messages');
    expect(runs.map((r) => JSON.parse(r.stdin!) as AlarmEvent)).toEqual(received.map((r) => r.event));
  });

  it('keeps publishing promptly while the hook hangs or fails, and counts the failures', async () => {
    const hang = `setInterval(() => {}, 1000)`;
    const e = start({
      rules: [{ ...warmRoom, forMs: 0 }, { id: 'dry', location: '*', measure: 'rh', below: 85, forMs: 0 }],
      hook: { command: [node, '-e', hang], timeoutMs: 400 },
    });
    const started = Date.now();
    feedMinutes(e, 0, 0, 6.1, { rh: 70 }); // raises both alarms: two hook runs, each hangs
    feedMinutes(e, 1, 1, 3.0, { rh: 92 }); // clears both: two more runs waiting
    await waitFor(() => received.length === 4, 'all four MQTT messages');
    expect(Date.now() - started).toBeLessThan(400); // before even the first hook run timed out
    expect(received.map((r) => `${r.event.rule} ${r.event.state}`).sort()).toEqual(['berries-warm cleared', 'berries-warm raised', 'dry cleared', 'dry raised']);

    await e.settled(); // four runs, one after another, each killed at 400 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 400);
    expect(await counterValue(metrics.alarmHookFailures, { reason: 'timeout' })).toBe(4);
  });

  it('counts a hook that exits non-zero or cannot start, and carries on', async () => {
    const e = start({ rules: [{ ...warmRoom, forMs: 0 }], hook: { command: [node, '-e', 'process.exit(2)'] } });
    feedMinutes(e, 0, 0, 6.1);
    await e.settled();
    expect(await counterValue(metrics.alarmHookFailures, { reason: 'exit' })).toBe(1);

    const missing = start({ rules: [{ ...warmRoom, id: 'other', forMs: 0 }], hook: { command: [join(dir, 'no-such-siren')] } });
    missing.observe(reading(7, T0 + MIN));
    await missing.settled();
    expect(await counterValue(metrics.alarmHookFailures, { reason: 'spawn' })).toBe(1);
    await waitFor(() => received.length === 2, 'both alarms published regardless');
  });

  it('keeps evaluating and running the hook when the broker is gone', async () => {
    await broker.close(); // publishing now fails: logged, never thrown
    const out = join(dir, 'hook.jsonl');
    const e = start({ rules: [{ ...warmRoom, forMs: 0 }], hook: { command: [node, '-e', RECORD_HOOK, out] } });
    feedMinutes(e, 0, 0, 6.1);
    await e.settled();
    expect(e.active()).toHaveLength(1);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it("watches each location separately under a '*' rule, and each location is as warm as its warmest sensor", async () => {
    const e = start({ rules: [{ ...warmRoom, id: 'any-warm', location: '*', forMs: 5 * MIN }] });
    for (let m = 0; m <= 5; m++) {
      clock = T0 + m * MIN;
      e.observe(reading(2.1, clock, { sensor: 'cr1-door', location: 'cold-room-1' }));
      e.observe(reading(5.6, clock, { sensor: 'cr1-back', location: 'cold-room-1' }));
      e.observe(reading(1.2, clock, { sensor: 'truck-7', location: 'truck-7/front' }));
    }
    await waitFor(() => received.length === 1, 'the cold-room alarm');
    expect(received[0]!.event).toMatchObject({ location: 'cold-room-1', sensor: 'cr1-back', value: 5.6 });

    // One sensor back inside is not enough; the location clears when all are.
    e.observe(reading(6.0, T0 + 6 * MIN, { sensor: 'cr1-door' })); // the door side warms up
    e.observe(reading(3.0, T0 + 6 * MIN, { sensor: 'cr1-back' })); // as the back cools down
    await quiet(e);
    expect(received).toHaveLength(1);
    feedMinutes(e, 7, 7, 3.0, { sensor: 'cr1-door' });
    await waitFor(() => received.length === 2, 'the clear');

    // A location id with '/' stays one topic level.
    feedMinutes(e, 10, 16, 7.0, { sensor: 'truck-7', location: 'truck-7/front' });
    await waitFor(() => received.length === 3, 'the truck alarm');
    expect(received[2]!.topic).toBe(`freshtrail/v1/gateways/${GW}/alarms/any-warm/truck-7%2Ffront`);
    expect(received[2]!.event.location).toBe('truck-7/front');
  });

  it('ignores a reading older than the last one from the same sensor', async () => {
    const e = start({ rules: [warmRoom] });
    feedMinutes(e, 0, 10, 6.0);
    e.observe(reading(2.0, T0 + 5 * MIN)); // a replayed old reading must not break the excursion
    feedMinutes(e, 11, 15, 6.0);
    await waitFor(() => received.length === 1, 'the alarm');
    expect(received[0]!.event.since).toBe(T0);
  });

  it('rejects inconsistent rules with messages naming them', () => {
    const make = (rules: AlarmRuleConfig[]): AlarmEvaluator => new AlarmEvaluator({ rules }, { gatewayId: GW, publish: broker.publish, logger: silentLogger(), metrics });
    expect(() => make([{ id: 'r', location: '*', measure: 'tempC', forMs: 0 }])).toThrow(new ConfigError('alarms.rules[0] (r): set above, below or both'));
    expect(() => make([{ id: 'band', location: '*', measure: 'tempC', above: 1, below: 0, forMs: 0 }])).toThrow(/more than twice the hysteresis \(0\.5\)/);
    expect(() => make([warmRoom, warmRoom])).toThrow(/rule id berries-warm is used twice/);
  });
});
