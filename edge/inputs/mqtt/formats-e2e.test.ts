/**
 * Each payload format end to end: recorded device messages published with mqtt.js to a real
 * in-process aedes broker, through the mqtt input, to the readings and metadata the agent gets.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/log.js';
import type { Reading } from '../../../protocol/reading.js';
import { counterValue } from '../../../test/support/metrics.js';
import { waitFor } from '../../../test/support/wait.js';
import { EdgeMetrics } from '../../metrics.js';
import type { Input, ReadingMeta } from '../types.js';
import type { Fixture } from './formats/fixtures.js';
import { TASMOTA } from './formats/fixtures.js';
import { SHELLY_GEN1, SHELLY_GEN2 } from './formats/fixtures-shelly.js';
import { TTS, TTS_NS_RECEIVED_AT_MS } from './formats/fixtures-tts.js';
import { createMqttInput, type MqttInputConfig } from './index.js';
import { readingKey } from './message-handler.js';
import { startAedes, type TestBroker } from './test-support.js';

describe('mqtt input formats through an in-process broker', () => {
  let broker: TestBroker;
  let device: MqttClient;
  let metrics: EdgeMetrics;
  let readings: Reading[];
  let metas: (ReadingMeta | undefined)[];
  let input: Input | undefined;
  let clock: number;

  beforeEach(async () => {
    broker = await startAedes();
    device = await mqtt.connectAsync(broker.url, { clientId: 'device-sim', reconnectPeriod: 0 });
    metrics = new EdgeMetrics();
    readings = [];
    metas = [];
    clock = Date.UTC(2024, 2, 4, 9, 12, 0);
  });

  afterEach(async () => {
    await input?.stop();
    input = undefined;
    await device.endAsync(true);
    await broker.close();
  });

  async function start(config: Omit<MqttInputConfig, 'type' | 'name' | 'url'>): Promise<void> {
    input = createMqttInput({ type: 'mqtt', name: 'site', url: broker.url, clientId: 'edge', ...config }, { logger: silentLogger(), metrics, now: () => clock });
    await input.start(async (reading, meta) => {
      readings.push(reading);
      metas.push(meta);
    });
  }

  const publish = (f: Fixture): Promise<unknown> => device.publishAsync(f.topic, f.payload, { qos: 1 });
  const errors = (reason: string): Promise<number> => counterValue(metrics.readErrors, { input: 'site', reason });

  it('tasmota: a local Time in the configured zone becomes the reading time; °F is converted', async () => {
    await start({ format: 'tasmota', timezone: 'Europe/Berlin', defaultLocation: 'dock' });
    await publish({ topic: 'tele/cold-room-1/SENSOR', payload: TASMOTA.am2301.payload.replace('2019-01-01T00:00:00', '2024-03-04T10:11:12') });
    await publish(TASMOTA.bme280Fahrenheit);
    await waitFor(() => readings.length === 2, 'two readings');
    expect(readings).toEqual([
      { sensor: 'cold-room-1/AM2301', location: 'dock', ts: Date.UTC(2024, 2, 4, 9, 11, 12), tsSource: 'device', tempC: 24.6, rh: 58.2, src: 'mqtt:tele/cold-room-1/SENSOR#AM2301' },
      { sensor: 'dock/BME280', location: 'dock', ts: Date.UTC(2024, 1, 25, 10, 27), tsSource: 'device', tempC: 3, rh: 65.5, src: 'mqtt:tele/dock/SENSOR#BME280' },
    ]);
  });

  it('shelly-gen1: one reading per value, the second joined with the first; a sensor error is counted', async () => {
    await start({ format: 'shelly-gen1', sensors: [{ match: 'shellyht-6FE1E2', id: 'ht-cr1', location: 'cold-room-1' }] });
    await publish(SHELLY_GEN1.battery);
    await publish(SHELLY_GEN1.temperature);
    await publish(SHELLY_GEN1.humidity);
    await publish(SHELLY_GEN1.errorSet);
    await waitFor(async () => readings.length === 2 && (await errors('sensor_error')) === 1, 'two readings and the sensor error');
    expect(readings).toEqual([
      { sensor: 'ht-cr1', location: 'cold-room-1', ts: clock, tsSource: 'gateway', tempC: 4.25, battery: 87, src: `mqtt:${SHELLY_GEN1.temperature.topic}` },
      { sensor: 'ht-cr1', location: 'cold-room-1', ts: clock, tsSource: 'gateway', tempC: 4.25, rh: 91.5, battery: 87, src: `mqtt:${SHELLY_GEN1.humidity.topic}` },
    ]);
    expect(metas.map((m) => m?.key?.split('|')[0])).toEqual([SHELLY_GEN1.temperature.topic, SHELLY_GEN1.humidity.topic]);
  });

  it('shelly-gen1: temperatureUnit F is converted at the edge', async () => {
    await start({ format: 'shelly-gen1', temperatureUnit: 'F', defaultLocation: 'dock' });
    await publish(SHELLY_GEN1.temperatureF);
    await waitFor(() => readings.length === 1, 'the reading');
    expect(readings[0]).toMatchObject({ sensor: 'shellyht-A1B2C3', tempC: 4.25 });
  });

  it('shelly-gen2: full status then a change overlaid on it; device time from params.ts', async () => {
    clock = Date.UTC(2025, 6, 28, 20, 30); // after the recordings, so their device time is plausible
    await start({ format: 'shelly-gen2', sensors: [{ match: 'shellyhtg3-5432045b561c', id: 'htg3-packhouse', location: 'packhouse' }], defaultLocation: 'dock' });
    await publish(SHELLY_GEN2.htG3Full);
    await publish(SHELLY_GEN2.htG3HumidityChange);
    await publish(SHELLY_GEN2.switchChange);
    await publish(SHELLY_GEN2.plusHtFull);
    await waitFor(() => readings.length === 3, 'three readings');
    expect(readings).toEqual([
      { sensor: 'htg3-packhouse', location: 'packhouse', ts: 1753733762310, tsSource: 'device', tempC: 17.6, battery: 67, src: `mqtt:${SHELLY_GEN2.htG3Full.topic}` },
      { sensor: 'htg3-packhouse', location: 'packhouse', ts: 1753734362050, tsSource: 'device', tempC: 17.6, rh: 64.9, battery: 67, src: `mqtt:${SHELLY_GEN2.htG3Full.topic}` },
      // sys.unixtime null: the device has no time yet, so the gateway clock stamps it.
      { sensor: 'shellyplusht-b8d61a8b17cc', location: 'dock', ts: clock, tsSource: 'gateway', tempC: 19.8, rh: 42.2, battery: 0, src: `mqtt:${SHELLY_GEN2.plusHtFull.topic}` },
    ]);
  });

  it('the-things-stack: LHT65 gives SHT and probe readings at the network reception time; the LHT52 sentinel is counted, not read', async () => {
    await start({ format: 'the-things-stack', sensors: [{ match: 'lht65-truck-3', id: 'truck-3', location: 'truck-3' }], defaultLocation: 'rooms' });
    await publish(TTS.lht65);
    await publish(TTS.lht52);
    await waitFor(async () => readings.length === 3 && (await errors('invalid_value')) === 1, 'three readings and the sentinel');
    const at = { ts: TTS_NS_RECEIVED_AT_MS, tsSource: 'device', link: -35 };
    expect(readings).toEqual([
      { sensor: 'truck-3/SHT', location: 'truck-3', ...at, tempC: 28.29, rh: 88.6, src: `mqtt:${TTS.lht65.topic}#SHT` },
      { sensor: 'truck-3/DS', location: 'truck-3', ...at, tempC: 27.81, src: `mqtt:${TTS.lht65.topic}#DS` },
      { sensor: 'lht52-room-1/SHT', location: 'rooms', ...at, tempC: 22.53, rh: 54.4, src: `mqtt:${TTS.lht52.topic}#SHT` },
    ]);
    // Keys name the message and the observation's place in it, counted before any is dropped.
    expect(metas.map((m) => m?.key?.slice(-2))).toEqual(['#0', '#1', '#0']);
  });

  it('json: a configured mapping, °F and an epoch-seconds timestamp', async () => {
    await start({
      format: 'json',
      topics: ['site-a/loggers/+'],
      fields: { temperature: '/readings/0/t', humidity: 'readings.0.rh', device: '/meta/serial', timestamp: '/ts', timestampFormat: 'epoch-s' },
      temperatureUnit: 'F',
      sensors: [{ match: 'LG-0007', id: 'logger-7', location: 'reefer-9' }],
    });
    const payload = '{"meta":{"serial":"LG-0007"},"readings":[{"t":"39.2","rh":88.5}],"ts":1709543472}';
    await publish({ topic: 'site-a/loggers/7', payload });
    await waitFor(() => readings.length === 1, 'the reading');
    expect(readings).toEqual([{ sensor: 'logger-7', location: 'reefer-9', ts: Date.UTC(2024, 2, 4, 9, 11, 12), tsSource: 'device', tempC: 4, rh: 88.5, src: 'mqtt:site-a/loggers/7' }]);
    expect(metas).toEqual([{ key: expect.stringMatching(/^site-a\/loggers\/7\|[0-9a-f]{64}\|\d+#0$/), redelivered: true }]); // duplicateCheck 'always' (default): every QoS 1 message is checked
    const [, digest] = metas[0]!.key!.split('|');
    expect(readingKey({ topic: 'site-a/loggers/7', payload: Buffer.from(payload), messageId: 1 }, 0).split('|')[1]).toBe(digest);
  });

  it('drops an identical repeat within the window for stateful formats too', async () => {
    await start({ format: 'shelly-gen1', defaultLocation: 'dock' });
    await publish(SHELLY_GEN1.temperature);
    await publish(SHELLY_GEN1.temperature);
    await publish(SHELLY_GEN1.humidity);
    await waitFor(() => readings.length === 2, 'two readings');
    expect(readings.map((r) => [r.tempC, r.rh])).toEqual([
      [4.25, undefined],
      [4.25, 91.5],
    ]);
  });
});
