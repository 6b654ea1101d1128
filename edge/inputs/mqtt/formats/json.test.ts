import { describe, expect, it } from 'vitest';
import { decodeFixture as decode, observationsOf } from './decode-fixture.js';
import type { Fixture } from './fixtures.js';
import { createJsonFormat, parsePath, valueAt } from './json.js';
import { isoWithOffset, localIsoToUtc, parseTimestamp } from './time.js';

/**
 * OpenMQTTGateway publishing a BLE thermometer (LYWSD03MMC, ATC firmware) through Theengs
 * Decoder: tempc/tempf/hum/batt keys as documented for that decoder; no timestamp.
 */
const OMG: Fixture = {
  topic: 'home/OpenMQTTGateway/BTtoMQTT/A4C138A1B2C3',
  payload: '{"id":"A4:C1:38:A1:B2:C3","name":"ATC_A1B2C3","rssi":-71,"brand":"Xiaomi","model":"LYWSD03MMC","model_id":"LYWSD03MMC_ATC","tempc":4.3,"tempf":39.74,"hum":86,"batt":79,"volt":2.91}',
};

/** A logger that nests values and stamps them in epoch milliseconds. */
const LOGGER: Fixture = {
  topic: 'site-a/loggers/7',
  payload: '{"meta":{"serial":"LG-0007"},"readings":[{"t":"39.2","rh":"88.5"}],"ts":1709543472345}',
};

describe('json format', () => {
  it('reads OpenMQTTGateway through dotted paths; the topic names the device', () => {
    const format = createJsonFormat({ fields: { temperature: 'tempc', humidity: 'hum', battery: 'batt' } });
    expect(observationsOf(decode(format, OMG))).toEqual([{ device: OMG.topic, temperature: 4.3, temperatureUnit: 'C', humidity: 86, battery: 79 }]);
  });

  it('reads nested values with JSON Pointers, a device field, °F and an epoch-ms timestamp', () => {
    const format = createJsonFormat({
      fields: { temperature: '/readings/0/t', humidity: '/readings/0/rh', device: '/meta/serial', timestamp: '/ts', timestampFormat: 'epoch-ms' },
      temperatureUnit: 'F',
    });
    expect(observationsOf(decode(format, LOGGER))).toEqual([
      { device: 'LG-0007', temperature: 39.2, temperatureUnit: 'F', humidity: 88.5, deviceTime: Date.UTC(2024, 2, 4, 9, 11, 12, 345) },
    ]);
  });

  it('yields nothing for a message without the mapped values, and reports a missing device name or non-JSON', () => {
    const format = createJsonFormat({ fields: { temperature: 'tempc', device: 'id' } });
    expect(decode(format, { topic: 'x', payload: '{"id":"a","state":"online"}' })).toEqual({ ok: true, observations: [] });
    expect(decode(format, { topic: 'x', payload: '{"tempc":4}' })).toMatchObject({ ok: false, detail: 'no device name at id' });
    expect(decode(format, { topic: 'x', payload: 'online' })).toMatchObject({ ok: false });
  });

  it('falls back to the gateway clock when the timestamp cannot be read', () => {
    const format = createJsonFormat({ fields: { temperature: 't', timestamp: 'ts', timestampFormat: 'iso' } });
    expect(observationsOf(decode(format, { topic: 'x', payload: '{"t":4,"ts":"2024-03-04T10:11:12"}' }))[0]!.deviceTime).toBeUndefined();
    const zoned = createJsonFormat({ fields: { temperature: 't', timestamp: 'ts', timestampFormat: 'iso' }, timeZone: 'Europe/Berlin' });
    expect(observationsOf(decode(zoned, { topic: 'x', payload: '{"t":4,"ts":"2024-03-04T10:11:12"}' }))[0]!.deviceTime).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
  });
});

describe('field paths', () => {
  it('parses JSON Pointers (with ~0 ~1 escapes) and dotted paths', () => {
    expect(parsePath('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
    expect(parsePath('readings.0.t')).toEqual(['readings', '0', 't']);
    expect(() => parsePath('a..b')).toThrow(/empty segment/);
    expect(() => parsePath('')).toThrow(/empty/);
  });

  it('walks objects and arrays and stops at anything missing', () => {
    const doc = { a: [{ b: 1 }], 'x/y': 2 };
    expect(valueAt(doc, ['a', '0', 'b'])).toBe(1);
    expect(valueAt(doc, ['x/y'])).toBe(2);
    expect(valueAt(doc, ['a', '1', 'b'])).toBeUndefined();
    expect(valueAt(doc, ['a', 'length'])).toBeUndefined();
    expect(valueAt(doc, ['toString'])).toBeUndefined();
  });
});

describe('timestamps', () => {
  it('reads epoch seconds, milliseconds and ISO, and tells them apart in auto mode', () => {
    const at = Date.UTC(2024, 2, 4, 9, 11, 12);
    expect(parseTimestamp(1709543472, 'epoch-s')).toBe(at);
    expect(parseTimestamp('1709543472', 'auto')).toBe(at);
    expect(parseTimestamp(at, 'epoch-ms')).toBe(at);
    expect(parseTimestamp(at, 'auto')).toBe(at);
    expect(parseTimestamp('2024-03-04T09:11:12Z', 'auto')).toBe(at);
    expect(parseTimestamp('yesterday', 'auto')).toBeUndefined();
    expect(parseTimestamp('2024-03-04T09:11:12Z', 'epoch-s')).toBeUndefined();
  });

  it('keeps ISO precision to the millisecond (TTS writes nanoseconds) and accepts +hhmm offsets', () => {
    expect(isoWithOffset('2020-02-12T15:15:46.014773143Z')).toBe(Date.UTC(2020, 1, 12, 15, 15, 46, 14));
    expect(isoWithOffset('2024-03-04T10:11:12+0100')).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
    expect(isoWithOffset('2024-03-04T10:11:12')).toBeUndefined();
  });

  it('places local times in a zone, refusing the daylight-saving gap and overlap', () => {
    expect(localIsoToUtc('2024-01-01T00:00:00', 'America/New_York')).toBe(Date.UTC(2024, 0, 1, 5));
    expect(localIsoToUtc('2024-03-31T02:30:00', 'Europe/Berlin')).toBeUndefined(); // does not exist
    expect(localIsoToUtc('2024-10-27T02:30:00', 'Europe/Berlin')).toBeUndefined(); // happens twice
    expect(localIsoToUtc('2024-10-27T03:30:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 9, 27, 2, 30));
    expect(localIsoToUtc('2024-03-04T10:11:12', undefined)).toBeUndefined();
  });
});
