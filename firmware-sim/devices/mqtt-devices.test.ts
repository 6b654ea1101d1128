import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/log.js';
import type { DeviceContext, EmittedValue, SimulatedDevice } from '../device.js';
import { startMqttDevice, startTasmotaDevice, startZigbee2MqttDevice } from './mqtt-devices.js';
import { dewPointC, tasmotaSensor, tasmotaTime, zigbee2mqttState } from './mqtt-payloads.js';

describe('Zigbee2MQTT payload', () => {
  it('is the state object with the configured precision, decoded as a receiver reads it', () => {
    const p = zigbee2mqttState({ tempC: 1.2345, rh: 91.0049 }, { friendlyName: 'cold_room_1', precision: 2 }, 3, 0, 1);
    expect(p.topic).toBe('zigbee2mqtt/cold_room_1');
    const state = JSON.parse(p.payload) as Record<string, number>;
    expect(Object.keys(state)).toEqual(['battery', 'humidity', 'linkquality', 'temperature', 'voltage']);
    expect(state.temperature).toBe(1.23);
    expect(state.humidity).toBe(91);
    expect(Number.isInteger(state.battery) && state.battery! >= 80 && state.battery! <= 100).toBe(true);
    expect(state.voltage).toBe(2500 + 5 * state.battery!);
    expect(state.linkquality).toBeGreaterThanOrEqual(40);
    expect(p.decoded).toEqual({ tempC: 1.23, rh: 91, battery: state.battery, link: state.linkquality });
    const oneDecimal = zigbee2mqttState({ tempC: -0.04, rh: 50.06 }, { friendlyName: 'x', precision: 1, baseTopic: 'z2m' }, 3, 0, 1);
    expect(oneDecimal.topic).toBe('z2m/x');
    expect(oneDecimal.payload).toContain('"temperature":0,');
    expect(oneDecimal.decoded.rh).toBe(50.1);
  });
});

describe('Tasmota payload', () => {
  const base = { topic: 'tasmota_A1B2C3', sensorKey: 'AM2301', tempUnit: 'C' as const, utcOffsetMinutes: 0, timeWithOffset: false, timeWithMillis: false };
  const at = Date.UTC(2026, 10, 24, 10, 0, 0, 456);

  it('matches the documented SENSOR message byte for byte (one decimal, Humidity 91.0)', () => {
    const p = tasmotaSensor({ tempC: 1.23, rh: 91.0 }, base, at);
    expect(p.topic).toBe('tele/tasmota_A1B2C3/SENSOR');
    expect(p.payload).toBe('{"Time":"2026-11-24T10:00:00","AM2301":{"Temperature":1.2,"Humidity":91.0,"DewPoint":-0.1},"TempUnit":"C"}');
    expect(p.decoded).toEqual({ tempC: 1.2, rh: 91, deviceTs: Date.UTC(2026, 10, 24, 10, 0, 0) });
  });

  it('sends °F when TempUnit is F; the receiver converts back to °C', () => {
    const p = tasmotaSensor({ tempC: 1.2, rh: 91 }, { ...base, tempUnit: 'F', sensorKey: 'SHT3X-0x45' }, at);
    const msg = JSON.parse(p.payload) as { TempUnit: string; 'SHT3X-0x45': { Temperature: number } };
    expect(msg.TempUnit).toBe('F');
    expect(msg['SHT3X-0x45'].Temperature).toBe(34.2);
    expect(p.decoded.tempC).toBe(1.22); // (34.2 − 32) × 5/9 = 1.2222…
  });

  it('writes Time as local time, with offset and milliseconds when configured', () => {
    expect(tasmotaTime(at, { utcOffsetMinutes: 60, timeWithOffset: true, timeWithMillis: false }).text).toBe('2026-11-24T11:00:00+01:00');
    expect(tasmotaTime(at, { utcOffsetMinutes: -330, timeWithOffset: true, timeWithMillis: true })).toEqual({ text: '2026-11-24T04:30:00.456-05:30', utcMs: at });
    expect(tasmotaTime(at, { utcOffsetMinutes: 60, timeWithOffset: false, timeWithMillis: false }).text).toBe('2026-11-24T11:00:00');
  });

  it('computes the dew point with the Magnus formula (1.2 °C, 91 % → about −0.1 °C)', () => {
    expect(dewPointC(1.2, 91)).toBeCloseTo(-0.1, 1);
    expect(dewPointC(20, 100)).toBeCloseTo(20, 6);
  });
});

describe('MQTT devices on an in-process aedes broker', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  let subscriber: MqttClient;
  let device: SimulatedDevice | undefined;
  const received: Array<{ topic: string; payload: string }> = [];

  beforeEach(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
    subscriber = await connectAsync(url, { clientId: 'test-subscriber' });
    received.length = 0;
    subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await subscriber.subscribeAsync(['zigbee2mqtt/#', 'tele/+/SENSOR']);
  });

  afterEach(async () => {
    await device?.stop();
    device = undefined;
    await subscriber.endAsync();
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  const context = (emitted: EmittedValue[], scenarioMs = 0): DeviceContext => ({ logger: silentLogger(), now: Date.now, scenarioTime: () => scenarioMs, record: (v) => emitted.push(v) });

  it('Zigbee2MQTT: republishes each state 2 extra times; emitted lists each state once', async () => {
    const emitted: EmittedValue[] = [];
    let t = 0;
    device = await startZigbee2MqttDevice({
      url,
      clientId: 'sim-z2m',
      intervalMs: 40,
      repeats: 2,
      repeatGapMs: 5,
      z2m: { friendlyName: 'cold_room_1', precision: 2 },
      climate: () => ({ tempC: 1 + 0.01 * ++t, rh: 92 }),
      seed: 4,
      context: context(emitted),
    });
    device.resume();
    await waitFor(() => received.length >= 9);
    const complete = Math.floor(received.length / 3);
    await device.stop();
    expect(received.every((m) => m.topic === 'zigbee2mqtt/cold_room_1')).toBe(true);
    // Reports finished before stop() came in threes (stop() may cut the last one's repeats).
    expect(complete).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < complete; i++) {
      const group = received.slice(3 * i, 3 * i + 3).map((m) => m.payload);
      expect(group).toEqual([emitted[i]!.wire, emitted[i]!.wire, emitted[i]!.wire]);
      expect((JSON.parse(group[0]!) as { temperature: number }).temperature).toBe(emitted[i]!.tempC);
    }
    // Distinct states really differ (the scenario moved), so a deduplicating receiver keeps them all.
    expect(new Set(emitted.map((e) => e.wire)).size).toBe(emitted.length);
  });

  it('Tasmota: publishes tele/<topic>/SENSOR with the device clock in Time', async () => {
    const emitted: EmittedValue[] = [];
    device = await startTasmotaDevice({
      url,
      clientId: 'sim-tasmota',
      intervalMs: 30,
      tasmota: { topic: 'tasmota_A1B2C3', sensorKey: 'AM2301', tempUnit: 'C', utcOffsetMinutes: 60, timeWithOffset: true, timeWithMillis: false },
      climate: () => ({ tempC: 1.24, rh: 91 }),
      context: context(emitted),
    });
    const before = Math.floor(Date.now() / 1000) * 1000;
    device.resume();
    await waitFor(() => received.length >= 2);
    await device.stop();
    await waitFor(() => received.length === emitted.length);
    expect(received.map((m) => m.payload)).toEqual(emitted.map((e) => e.wire));
    const msg = JSON.parse(received[0]!.payload) as { Time: string; AM2301: { Temperature: number; Humidity: number } };
    expect(received[0]!.topic).toBe('tele/tasmota_A1B2C3/SENSOR');
    expect(msg.Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+01:00$/);
    expect(Date.parse(msg.Time)).toBe(emitted[0]!.deviceTs);
    expect(emitted[0]!.deviceTs).toBeGreaterThanOrEqual(before);
    expect(msg.AM2301).toMatchObject({ Temperature: 1.2, Humidity: 91 });
  });

  it('rejects with a message naming the broker when it cannot connect', async () => {
    const emitted: EmittedValue[] = [];
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(
      startMqttDevice({ url: `mqtt://127.0.0.1:${port}`, clientId: 'sim-x', intervalMs: 100, build: () => ({ topic: 't', payload: '{}', decoded: { tempC: 0, rh: 0 } }), context: context(emitted) }),
    ).rejects.toThrow(new RegExp(`cannot connect to mqtt://127.0.0.1:${port}`));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
