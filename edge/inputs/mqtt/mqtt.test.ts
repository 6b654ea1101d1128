/**
 * The mqtt input against a real in-process aedes broker on an ephemeral port; the test
 * publishes recorded device payloads with mqtt.js as the devices would.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/log.js';
import type { Reading } from '../../../protocol/reading.js';
import { counterValue } from '../../../test/support/metrics.js';
import { waitFor } from '../../../test/support/wait.js';
import { EdgeMetrics } from '../../metrics.js';
import type { EmitReading, Input } from '../types.js';
import { TASMOTA, Z2M, type Fixture } from './formats/fixtures.js';
import { createMqttInput, type MqttInputConfig } from './index.js';

describe('mqtt input with an in-process broker', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  let device: MqttClient;
  let metrics: EdgeMetrics;
  let readings: Reading[];
  let inputs: Input[];
  let clock: number;
  let clientSeq = 0;

  beforeEach(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    device = await mqtt.connectAsync(url, { clientId: 'device-sim', reconnectPeriod: 0 });
    metrics = new EdgeMetrics();
    readings = [];
    inputs = [];
    clock = Date.UTC(2024, 2, 4, 9, 12, 0);
  });

  afterEach(async () => {
    for (const input of inputs) await input.stop();
    await device.endAsync(true);
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function start(overrides: Partial<MqttInputConfig>, emit?: EmitReading): Promise<Input> {
    const config: MqttInputConfig = { type: 'mqtt', name: 'site', url, format: 'zigbee2mqtt', clientId: `edge-${++clientSeq}`, ...overrides };
    const input = createMqttInput(config, { logger: silentLogger(), metrics, now: () => clock });
    await input.start(
      emit ??
        (async (r) => {
          readings.push(r);
        }),
    );
    inputs.push(input);
    return input;
  }

  const publish = (f: Fixture): Promise<unknown> => device.publishAsync(f.topic, f.payload, { qos: 1 });
  const errors = (reason: string, input = 'site'): Promise<number> => counterValue(metrics.readErrors, { input, reason });

  const z2mMap = { sensors: [{ match: 'truck-front', id: 'aqara-1', location: 'truck-7-front' }] };

  it('decodes Zigbee2MQTT state into a reading with battery and link quality, ignoring bridge topics', async () => {
    await start(z2mMap);
    await publish(Z2M.bridgeState);
    await publish(Z2M.availability);
    await publish(Z2M.setCommand);
    await publish(Z2M.aqaraWsdcgq11lm);
    await waitFor(() => readings.length >= 1, 'the reading');
    expect(readings).toEqual([
      { sensor: 'aqara-1', location: 'truck-7-front', ts: clock, tsSource: 'gateway', tempC: 3.47, rh: 88.21, battery: 91, link: 72, src: 'mqtt:zigbee2mqtt/truck-front' },
    ]);
    expect(await errors('parse')).toBe(0);
    expect(await errors('unmapped')).toBe(0);
  });

  it('deduplicates identical republished state within the window, not after it', async () => {
    await start(z2mMap);
    for (let i = 0; i < 3; i++) await publish(Z2M.aqaraWsdcgq11lm);
    // A changed payload inside the window is a new measurement.
    await publish({ topic: Z2M.aqaraWsdcgq11lm.topic, payload: Z2M.aqaraWsdcgq11lm.payload.replace('3.47', '3.52') });
    await waitFor(() => readings.length >= 2, 'two readings');
    clock += 10_000; // the default window (10 s) has passed
    await publish({ topic: Z2M.aqaraWsdcgq11lm.topic, payload: Z2M.aqaraWsdcgq11lm.payload.replace('3.47', '3.52') });
    await waitFor(() => readings.length >= 3, 'the third reading');
    expect(readings.map((r) => r.tempC)).toEqual([3.47, 3.52, 3.52]);
  });

  it('counts unmapped devices and ignores them, unless a default location is set', async () => {
    const strict = await start({ ...z2mMap, name: 'strict', clientId: 'strict' });
    await publish(Z2M.freezerWithSlash);
    await waitFor(async () => (await errors('unmapped', 'strict')) === 1, 'the unmapped count');
    expect(readings).toEqual([]);
    await strict.stop();

    await start({ ...z2mMap, name: 'lenient', clientId: 'lenient', defaultLocation: 'warehouse' });
    await publish(Z2M.freezerWithSlash);
    await waitFor(() => readings.length === 1, 'the reading at the default location');
    expect(readings[0]).toMatchObject({ sensor: 'warehouse/freezer-2', location: 'warehouse', tempC: -18.62 });
  });

  it('counts malformed JSON and sentinel values, and keeps reading', async () => {
    await start({ defaultLocation: 'dock' });
    await publish(Z2M.malformed);
    await publish(Z2M.sentinel);
    await publish({ topic: 'zigbee2mqtt/truck-front', payload: 'not json at all' });
    await publish(Z2M.stringNumbers);
    await waitFor(() => readings.length >= 1, 'the good reading');
    expect(await errors('parse')).toBe(2);
    expect(await errors('invalid_value')).toBe(1);
    expect(readings).toEqual([expect.objectContaining({ sensor: 'dock-sensor', tempC: 12.5, rh: 60 })]);
  });

  it('decodes Tasmota: °F converted, Time with offset as device time, one reading per sensor object', async () => {
    await start({
      format: 'tasmota',
      sensors: [
        { match: 'packhouse', id: 'ph', location: 'packhouse' },
        { match: 'cold-room-2/SHT3X-0x45', id: 'cr2-sht', location: 'cold-room-2' },
        { match: 'tele/reefer-12/SENSOR', id: 'reefer-12', location: 'reefer-12' },
        { match: 'cold-room-1', id: 'cr1', location: 'cold-room-1' },
      ],
    });
    await publish(TASMOTA.si7021Fahrenheit);
    await publish(TASMOTA.sht3xWithOffset);
    await publish(TASMOTA.ds18b20Pair);
    await publish(TASMOTA.failedRead);
    await publish(TASMOTA.state);
    await waitFor(async () => readings.length >= 4 && (await errors('invalid_value')) >= 1, 'four readings and the failed read');
    expect(readings).toEqual([
      { sensor: 'ph/SI7021', location: 'packhouse', ts: clock, tsSource: 'gateway', tempC: 22, rh: 42, src: 'mqtt:tele/packhouse/SENSOR#SI7021' },
      { sensor: 'cr2-sht', location: 'cold-room-2', ts: Date.UTC(2024, 2, 4, 9, 11, 12, 345), tsSource: 'device', tempC: 3.8, rh: 91.4, src: 'mqtt:tele/cold-room-2/SENSOR#SHT3X-0x45' },
      { sensor: 'reefer-12/DS18B20-1', location: 'reefer-12', ts: clock, tsSource: 'gateway', tempC: 3.4, src: 'mqtt:tele/reefer-12/SENSOR#DS18B20-1' },
      { sensor: 'reefer-12/DS18B20-2', location: 'reefer-12', ts: clock, tsSource: 'gateway', tempC: -17.9, src: 'mqtt:tele/reefer-12/SENSOR#DS18B20-2' },
    ]);
  });

  it('does not acknowledge a message the agent failed to accept: it is redelivered to the next session', async () => {
    let attempts = 0;
    const failing = await start({ ...z2mMap, clientId: 'edge-durable' }, async () => {
      attempts++;
      throw new Error('outbox disk full');
    });
    await publish(Z2M.aqaraWsdcgq11lm);
    await waitFor(() => attempts === 1, 'the failed attempt');
    await failing.stop();
    await start({ ...z2mMap, clientId: 'edge-durable' });
    await waitFor(() => readings.length === 1, 'the redelivered reading');
    expect(readings[0]).toMatchObject({ sensor: 'aqara-1', tempC: 3.47 });
  });

  it('skips a retained state replayed at subscribe time (its age is unknown), but not live messages', async () => {
    await device.publishAsync(Z2M.aqaraWsdcgq11lm.topic, Z2M.aqaraWsdcgq11lm.payload.replace('3.47', '9.99'), { qos: 1, retain: true });
    await start(z2mMap);
    await publish(Z2M.aqaraWsdcgq11lm);
    await waitFor(() => readings.length >= 1, 'the live reading');
    expect(readings.map((r) => r.tempC)).toEqual([3.47]);
  });

  it('rejects start() naming the broker when it cannot connect', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const input = createMqttInput(
      { type: 'mqtt', name: 'down', url: `mqtt://user:secret@127.0.0.1:${port}`, format: 'tasmota', connectTimeoutMs: 2000 },
      { logger: silentLogger(), metrics, now: () => clock },
    );
    const err = await input.start(async () => {}).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(`127.0.0.1:${port}`);
    expect(err?.message).not.toContain('secret');
  });
});
