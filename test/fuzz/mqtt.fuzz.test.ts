/**
 * Fuzz: every MQTT payload format (edge/inputs/mqtt/formats: Zigbee2MQTT, Tasmota, Shelly Gen1,
 * Shelly Gen2/3, The Things Stack v3 with the Dragino LHT65/LHT52 codecs, the generic JSON
 * mapping). Random topics and payloads, hostile JSON and mutated recorded messages go through
 * match → decode → sensor map → normalization exactly as the input does (message-handler.ts):
 * decode never throws and returns observations or a refusal with a detail; every reading that
 * comes out is valid (finite values within the physical limits: never NaN or Infinity); no
 * message adds anything to Object.prototype (the Shelly Gen2 status overlay merges objects).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHELLY_GEN1, SHELLY_GEN2 } from '../../edge/inputs/mqtt/formats/fixtures-shelly.js';
import { TTS } from '../../edge/inputs/mqtt/formats/fixtures-tts.js';
import { TASMOTA, Z2M, type Fixture } from '../../edge/inputs/mqtt/formats/fixtures.js';
import { mqttFormat, type FormatOptions, type MqttFormat, type MqttFormatName } from '../../edge/inputs/mqtt/formats/index.js';
import { normalizeObservation, type RawObservation } from '../../edge/inputs/normalize.js';
import { SensorMap } from '../../edge/inputs/sensor-map.js';
import { readingProblems } from '../../protocol/reading.js';
import { applyByteMutations, applyJsonMutations, byteMutations, jsonMutations, jsonText } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const NOW = Date.UTC(2024, 2, 4, 9, 12, 0);

/** JSON payloads of the generic format, as json.test.ts records them. */
const JSON_FIXTURES: Fixture[] = [
  {
    topic: 'home/OpenMQTTGateway/BTtoMQTT/A4C138A1B2C3',
    payload: '{"id":"A4:C1:38:A1:B2:C3","name":"ATC_A1B2C3","rssi":-71,"brand":"Xiaomi","model":"LYWSD03MMC","tempc":4.3,"tempf":39.74,"hum":86,"batt":79,"volt":2.91}',
  },
  { topic: 'site-a/loggers/7', payload: '{"meta":{"serial":"LG-0007"},"readings":[{"t":"39.2","rh":"88.5"}],"ts":1709543472345}' },
];

interface FormatCase {
  name: MqttFormatName;
  label: string;
  options?: FormatOptions;
  fixtures: Fixture[];
  /** Member names of the format, so generated JSON hits its fields. */
  keys: string[];
}

const CASES: FormatCase[] = [
  { name: 'zigbee2mqtt', label: 'Zigbee2MQTT', fixtures: Object.values(Z2M), keys: ['temperature', 'humidity', 'battery', 'linkquality', 'state'] },
  { name: 'tasmota', label: 'Tasmota', options: { timeZone: 'Europe/Berlin' }, fixtures: Object.values(TASMOTA), keys: ['Time', 'Epoch', 'TempUnit', 'AM2301', 'ESP32', 'Temperature', 'Humidity', 'Battery', 'RSSI'] },
  { name: 'shelly-gen1', label: 'Shelly Gen1', options: { temperatureUnit: 'F' }, fixtures: Object.values(SHELLY_GEN1), keys: [] },
  {
    name: 'shelly-gen2', label: 'Shelly Gen2/3', fixtures: Object.values(SHELLY_GEN2),
    keys: ['method', 'params', 'ts', 'sys', 'unixtime', 'temperature:0', 'temperature:100', 'humidity:0', 'devicepower:0', 'battery', 'percent', 'tC', 'tF', 'rh', 'id'],
  },
  {
    name: 'the-things-stack', label: 'The Things Stack v3 (Dragino LHT65/LHT52)', fixtures: Object.values(TTS),
    keys: ['end_device_ids', 'device_id', 'uplink_message', 'decoded_payload', 'received_at', 'rx_metadata', 'rssi', 'channel_rssi', 'simulated', 'TempC_SHT', 'Hum_SHT', 'TempC_DS', 'No_connect', 'temperature', 'humidity'],
  },
  {
    name: 'json', label: 'generic JSON (dotted paths)', options: { fields: { temperature: 'tempc', humidity: 'hum', battery: 'batt' } },
    fixtures: JSON_FIXTURES, keys: ['tempc', 'hum', 'batt'],
  },
  {
    name: 'json', label: 'generic JSON (pointers, device, timestamp, °F, zone)',
    options: { fields: { temperature: '/readings/0/t', humidity: '/readings/0/rh', device: '/meta/serial', timestamp: '/ts', timestampFormat: 'auto' }, temperatureUnit: 'F', timeZone: 'America/New_York' },
    fixtures: JSON_FIXTURES, keys: ['readings', 't', 'rh', 'meta', 'serial', 'ts', '0'],
  },
];

const TOPIC_SEGMENTS = [
  'zigbee2mqtt', 'bridge', 'set', 'get', 'availability', 'tele', 'SENSOR', 'shellies', 'sensor', 'temperature', 'humidity', 'battery', 'error',
  'ext_temperature', 'ext_humidity', 'ext_temperature_f', '0', '101', 'events', 'rpc', 'v3', 'app@ttn', 'devices', 'up', 'join', 'dev', '', '+', '#', '__proto__', 'x"y',
];

function topicArb(c: FormatCase): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...c.fixtures.map((f) => f.topic)),
    fc.array(fc.constantFrom(...TOPIC_SEGMENTS), { minLength: 1, maxLength: 6 }).map((s) => s.join('/')),
    fc.string({ maxLength: 30 }),
  );
}

function payloadArb(c: FormatCase): fc.Arbitrary<Buffer> {
  const fixtures = c.fixtures.map((f) => f.payload);
  const docs = fixtures.flatMap((p) => {
    try {
      return [JSON.parse(p) as unknown];
    } catch {
      return [];
    }
  });
  return fc.oneof(
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')),
    jsonText({ keys: c.keys, scalars: ['"C"', '"F"', '"NotifyStatus"', '"NotifyFullStatus"', '"2024-03-04T10:11:12+01:00"', '"2024-03-10T02:30:00"', '1709543472'] }).map((t) => Buffer.from(t, 'utf8')),
    fc.tuple(fc.constantFrom(...fixtures), byteMutations()).map(([p, m]) => applyByteMutations(Buffer.from(p, 'utf8'), m)),
    fc.tuple(fc.constantFrom(...docs), jsonMutations({ keys: c.keys })).map(([d, m]) => Buffer.from(JSON.stringify(applyJsonMutations(d, m)) ?? '', 'utf8')),
  );
}

const sensors = new SensorMap([{ match: 'truck-front', id: 'z-front', location: 'truck-7' }], 'dock');
/** Object.prototype as it was: every name and value (a polluted `toString` keeps the name count). */
const prototypeBefore = new Map(Object.getOwnPropertyNames(Object.prototype).map((n) => [n, Object.getOwnPropertyDescriptor(Object.prototype, n)?.value]));
const prototypeIntact = (): boolean => {
  const names = Object.getOwnPropertyNames(Object.prototype);
  return names.length === prototypeBefore.size && names.every((n) => prototypeBefore.has(n) && Object.getOwnPropertyDescriptor(Object.prototype, n)?.value === prototypeBefore.get(n));
};

/** One message through the format and on to readings, as message-handler.ts does it. */
function handle(format: MqttFormat, topic: string, payload: Buffer, retained: boolean, now: number): void {
  if (!format.match(topic, payload)) return;
  const decoded = format.decode({ topic, payload, now, retained });
  if (!prototypeIntact()) {
    const polluted = Object.getOwnPropertyNames(Object.prototype).filter((n) => Object.getOwnPropertyDescriptor(Object.prototype, n)?.value !== prototypeBefore.get(n));
    // Undo it before failing, so the shrinking runs and the other tests see a clean Object.prototype.
    for (const n of polluted) {
      if (prototypeBefore.has(n)) Object.defineProperty(Object.prototype, n, { value: prototypeBefore.get(n), writable: true, enumerable: false, configurable: true });
      else delete (Object.prototype as Record<string, unknown>)[n];
    }
    expect({ topic, payload: payload.toString('utf8'), polluted }).toEqual({ topic, payload: payload.toString('utf8'), polluted: [] });
  }
  if (!decoded.ok) {
    if (typeof decoded.detail !== 'string' || (decoded.reason !== undefined && decoded.reason !== 'parse' && decoded.reason !== 'sensor_error')) {
      expect(decoded).toMatchObject({ detail: expect.any(String) });
    }
    return;
  }
  if (!Array.isArray(decoded.observations)) expect(decoded.observations).toBeInstanceOf(Array);
  for (const obs of decoded.observations) {
    if (typeof obs.device !== 'string' || (obs.channel !== undefined && typeof obs.channel !== 'string')) expect(obs).toMatchObject({ device: expect.any(String) });
    const sensor = sensors.resolve({ device: obs.device, channel: obs.channel, topic })!;
    const raw: RawObservation = {
      sensor, temperature: obs.temperature, temperatureUnit: obs.temperatureUnit, humidity: obs.humidity, battery: obs.battery, link: obs.link, deviceTime: obs.deviceTime,
      src: obs.channel === undefined ? `mqtt:${topic}` : `mqtt:${topic}#${obs.channel}`,
    };
    const outcome = normalizeObservation(raw, now);
    if (!outcome.ok) continue;
    // readingProblems refuses NaN, ±Infinity, out-of-range values and a non-integer ts.
    const problems = readingProblems(outcome.reading, 'reading');
    if (problems.length > 0) expect({ topic, payload: payload.toString('utf8'), reading: outcome.reading, problems }).toEqual({ problems: [] });
  }
}

describe('fuzz: MQTT payload formats', () => {
  for (const c of CASES) {
    it(`${c.label}: observations or a refusal, never a throw; only valid readings`, () => {
      // One format instance for the whole run, as one input keeps it: Shelly formats remember device state.
      const format = mqttFormat(c.name, c.options);
      let now = NOW;
      fc.assert(
        fc.property(topicArb(c), payloadArb(c), fc.boolean(), fc.integer({ min: 0, max: 120_000 }), (topic, payload, retained, step) => {
          now += step;
          handle(format, topic, payload, retained, now);
        }),
        fuzzParams(),
      );
    }, FUZZ_TIMEOUT_MS);
  }
});

expectCleanProcess();
