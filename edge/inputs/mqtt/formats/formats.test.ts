import { describe, expect, it } from 'vitest';
import { decodeFixture as decode, observationsOf } from './decode-fixture.js';
import { TASMOTA, Z2M } from './fixtures.js';
import { createTasmotaFormat, tasmota, tasmotaTime } from './tasmota.js';
import { createZigbee2MqttFormat, zigbee2mqtt } from './zigbee2mqtt.js';

describe('zigbee2mqtt format', () => {
  it('decodes the WSDCGQ11LM state: temperature, humidity, battery, linkquality, no device time', () => {
    expect(decode(zigbee2mqtt, Z2M.aqaraWsdcgq11lm)).toEqual({
      ok: true,
      observations: [{ device: 'truck-front', temperature: 3.47, temperatureUnit: 'C', humidity: 88.21, battery: 91, link: 72 }],
    });
  });

  it('keeps slashes in friendly names and negative temperatures', () => {
    expect(decode(zigbee2mqtt, Z2M.freezerWithSlash)).toMatchObject({ ok: true, observations: [{ device: 'warehouse/freezer-2', temperature: -18.62, humidity: 71.5 }] });
  });

  it('accepts numbers sent as strings', () => {
    expect(decode(zigbee2mqtt, Z2M.stringNumbers)).toMatchObject({ ok: true, observations: [{ temperature: 12.5, humidity: 60 }] });
  });

  it('returns no observation for a device without climate values', () => {
    expect(decode(zigbee2mqtt, Z2M.plug)).toEqual({ ok: true, observations: [] });
  });

  it('ignores bridge, availability, set and get topics', () => {
    for (const f of [Z2M.bridgeState, Z2M.bridgeDevices, Z2M.availability, Z2M.setCommand, Z2M.setSubCommand, Z2M.getCommand]) {
      expect(decode(zigbee2mqtt, f), f.topic).toBe('no match');
    }
  });

  it('reports malformed JSON', () => {
    expect(decode(zigbee2mqtt, Z2M.malformed)).toMatchObject({ ok: false });
  });

  it('passes sentinels through for normalization to refuse', () => {
    expect(decode(zigbee2mqtt, Z2M.sentinel)).toMatchObject({ ok: true, observations: [{ temperature: 327.67 }] });
  });

  it('honours a custom base topic', () => {
    const custom = createZigbee2MqttFormat('site-a/z2m');
    expect(decode(custom, { topic: 'site-a/z2m/truck-front', payload: Z2M.aqaraWsdcgq11lm.payload })).toMatchObject({ ok: true, observations: [{ device: 'truck-front' }] });
    expect(decode(custom, Z2M.aqaraWsdcgq11lm)).toBe('no match');
  });
});

describe('tasmota format', () => {
  it('decodes the AM2301 docs example; local Time gives no device time', () => {
    expect(decode(tasmota, TASMOTA.am2301)).toEqual({
      ok: true,
      observations: [{ device: 'cold-room-1', channel: 'AM2301', temperature: 24.6, temperatureUnit: 'C', humidity: 58.2, battery: undefined, link: undefined }],
    });
  });

  it('carries TempUnit F for conversion', () => {
    expect(decode(tasmota, TASMOTA.si7021Fahrenheit)).toMatchObject({ ok: true, observations: [{ channel: 'SI7021', temperature: 71.6, temperatureUnit: 'F', humidity: 42 }] });
  });

  it('uses Time with a UTC offset as the device time', () => {
    expect(observationsOf(decode(tasmota, TASMOTA.sht3xWithOffset))).toMatchObject([
      { channel: 'SHT3X-0x45', temperature: 3.8, humidity: 91.4, deviceTime: Date.UTC(2024, 2, 4, 9, 11, 12, 345) },
    ]);
  });

  it('finds every sensor object by content and skips the ESP32 die temperature', () => {
    const result = decode(tasmota, TASMOTA.ds18b20Pair);
    expect(result !== 'no match' && result.ok && result.observations.map((o) => [o.channel, o.temperature, o.humidity])).toEqual([
      ['DS18B20-1', 3.4, undefined],
      ['DS18B20-2', -17.9, undefined],
    ]);
  });

  it('reads battery and RSSI of a BLE sensor; no TempUnit means Celsius; device topic with a slash', () => {
    expect(decode(tasmota, TASMOTA.bleAtc)).toMatchObject({
      ok: true,
      observations: [{ device: 'sonoff/13DC54', channel: 'ATC04b555', temperature: 25.1, temperatureUnit: 'C', humidity: 56.3, battery: 54, link: -43 }],
    });
  });

  it('passes a failed read (null) through for normalization to refuse', () => {
    expect(decode(tasmota, TASMOTA.failedRead)).toMatchObject({ ok: true, observations: [{ temperature: null, humidity: null }] });
  });

  it('returns no observation for a SENSOR message without climate sensors', () => {
    expect(decode(tasmota, TASMOTA.energyOnly)).toEqual({ ok: true, observations: [] });
  });

  it('ignores STATE and LWT topics', () => {
    expect(decode(tasmota, TASMOTA.state)).toBe('no match');
    expect(decode(tasmota, TASMOTA.lwt)).toBe('no match');
  });

  it('reports an unknown TempUnit and a payload that is not JSON', () => {
    expect(decode(tasmota, TASMOTA.badUnit)).toMatchObject({ ok: false });
    expect(decode(tasmota, TASMOTA.notJson)).toMatchObject({ ok: false });
  });

  it('parses Time with an offset, Unix-seconds Time and Epoch; local Time only with a configured zone', () => {
    expect(tasmotaTime({ Time: '2024-03-04T10:11:12+01:00' })).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
    expect(tasmotaTime({ Time: '2024-03-04T10:11:12Z' })).toBe(Date.UTC(2024, 2, 4, 10, 11, 12));
    expect(tasmotaTime({ Time: '2024-03-04T10:11:12' })).toBeUndefined();
    expect(tasmotaTime({ Time: '2024-03-04T10:11:12' }, 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
    expect(tasmotaTime({ Time: '2024-07-04T10:11:12' }, 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 4, 8, 11, 12));
    // 02:30 on the night daylight saving ends happens twice in Berlin: not a usable time.
    expect(tasmotaTime({ Time: '2024-10-27T02:30:00' }, 'Europe/Berlin')).toBeUndefined();
    expect(tasmotaTime({ Time: 1709543472 })).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
    expect(tasmotaTime({ Time: '2024-03-04T10:11:12', Epoch: 1709543472 })).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
    expect(tasmotaTime({ Time: 'soon' }, 'Europe/Berlin')).toBeUndefined();
  });

  it('reads mixed sensors by content: indexless DS18B20, a failed SI7021 (null), a BME280', () => {
    expect(observationsOf(decode(tasmota, TASMOTA.mixed)).map((o) => [o.channel, o.temperature, o.humidity])).toEqual([
      ['DS18B20', 21.5, undefined],
      ['SI7021', null, null],
      ['BME280', 21.1, 46.9],
    ]);
  });

  it('keeps the indexed DS18B20 names of the changelog example as channels', () => {
    expect(observationsOf(decode(tasmota, TASMOTA.ds18b20Changelog)).map((o) => [o.device, o.channel, o.temperature])).toEqual([
      ['reefer-7', 'DS18B20-1', 19.5],
      ['reefer-7', 'DS18B20-2', 19.6],
    ]);
  });

  it('uses Epoch (time format 1) and Unix-seconds Time (format 2) as the device time', () => {
    const at = Date.UTC(2024, 2, 4, 9, 11, 12);
    expect(observationsOf(decode(tasmota, TASMOTA.withEpoch))).toMatchObject([{ channel: 'AM2301', temperature: 2.9, humidity: 93.1, deviceTime: at }]);
    expect(observationsOf(decode(tasmota, TASMOTA.epochTime))).toMatchObject([{ channel: 'SHT3X', temperature: 2.9, humidity: 93.1, deviceTime: at }]);
  });

  it('takes a local Time as device time when the input names the zone', () => {
    const berlin = createTasmotaFormat({ timeZone: 'Europe/Berlin' });
    const [o] = observationsOf(decode(berlin, { topic: 'tele/cold-room-1/SENSOR', payload: TASMOTA.am2301.payload.replace('2019-01-01T00:00:00', '2024-03-04T10:11:12') }));
    expect(o!.deviceTime).toBe(Date.UTC(2024, 2, 4, 9, 11, 12));
  });

  it('marks a BME280 in °F for conversion', () => {
    expect(observationsOf(decode(tasmota, TASMOTA.bme280Fahrenheit))).toEqual([
      { device: 'dock', channel: 'BME280', temperature: 37.4, temperatureUnit: 'F', humidity: 65.5, battery: undefined, link: undefined },
    ]);
  });
});
