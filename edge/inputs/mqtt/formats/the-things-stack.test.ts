import { describe, expect, it } from 'vitest';
import { normalizeObservation } from '../../normalize.js';
import { decodeFixture as decode, observationsOf } from './decode-fixture.js';
import { TTS, TTS_NS_RECEIVED_AT_MS } from './fixtures-tts.js';
import { theThingsStack } from './the-things-stack.js';

describe('the-things-stack format', () => {
  it('decodes the LHT65 codec example: SHT and DS probe as two channels, NS reception time, best RSSI', () => {
    expect(observationsOf(decode(theThingsStack, TTS.lht65))).toEqual([
      { device: 'lht65-truck-3', channel: 'SHT', temperature: 28.29, temperatureUnit: 'C', humidity: 88.6, deviceTime: TTS_NS_RECEIVED_AT_MS, link: -35 },
      { device: 'lht65-truck-3', channel: 'DS', temperature: 27.81, temperatureUnit: 'C', deviceTime: TTS_NS_RECEIVED_AT_MS, link: -35 },
    ]);
  });

  it('keeps the SHT reading of an LHT52 without a probe; the 327.67 probe value never becomes a reading', () => {
    const [sht, ds] = observationsOf(decode(theThingsStack, TTS.lht52));
    expect(sht).toMatchObject({ channel: 'SHT', temperature: 22.53, humidity: 54.4 });
    expect(ds).toMatchObject({ channel: 'DS', temperature: 327.67 });
    const sensor = { id: 'lht52', location: 'room-1' };
    const now = TTS_NS_RECEIVED_AT_MS + 60_000;
    expect(normalizeObservation({ ...sht!, sensor, src: 'test' }, now)).toMatchObject({ ok: true, reading: { tempC: 22.53, rh: 54.4, tsSource: 'device' } });
    expect(normalizeObservation({ ...ds!, sensor, src: 'test' }, now)).toMatchObject({ ok: false, reason: 'invalid_value', detail: expect.stringContaining('sentinel') });
  });

  it('reads the string values of Dragino’s own decoder; no external sensor means no DS channel', () => {
    expect(observationsOf(decode(theThingsStack, TTS.lht65Strings))).toEqual([
      { device: 'lht65-dock', channel: 'SHT', temperature: -0.57, temperatureUnit: 'C', humidity: 93.4, deviceTime: TTS_NS_RECEIVED_AT_MS, link: -35 },
    ]);
  });

  it('refuses the probe value of an unplugged probe (No_connect) but not the SHT values', () => {
    expect(observationsOf(decode(theThingsStack, TTS.lht65Unplugged)).map((o) => [o.channel, o.temperature, o.humidity])).toEqual([
      ['SHT', 4.12, 71.2],
      ['DS', null, undefined],
    ]);
  });

  it('falls back to plain temperature / humidity keys (the docs example codec)', () => {
    expect(observationsOf(decode(theThingsStack, TTS.docsExample))).toEqual([{ device: 'dev1', temperature: 1, temperatureUnit: 'C', deviceTime: TTS_NS_RECEIVED_AT_MS, link: -35 }]);
  });

  it('yields nothing without a codec or for a simulated uplink; reports an up message without uplink_message', () => {
    expect(decode(theThingsStack, TTS.noCodec)).toEqual({ ok: true, observations: [] });
    expect(decode(theThingsStack, TTS.simulated)).toEqual({ ok: true, observations: [] });
    expect(decode(theThingsStack, TTS.notUplink)).toMatchObject({ ok: false });
    expect(decode(theThingsStack, TTS.joinAccept)).toBe('no match');
  });

  it('uses the top-level received_at when the uplink has none, and the topic when end_device_ids lacks the id', () => {
    const message = JSON.parse(TTS.lht65Strings.payload) as { uplink_message: Record<string, unknown>; end_device_ids: Record<string, unknown> };
    delete message.uplink_message.received_at;
    delete message.end_device_ids.device_id;
    const [o] = observationsOf(decode(theThingsStack, { topic: TTS.lht65Strings.topic, payload: JSON.stringify(message) }));
    expect(o).toMatchObject({ device: 'lht65-dock', deviceTime: Date.UTC(2020, 1, 12, 15, 15, 46, 14) });
  });
});
