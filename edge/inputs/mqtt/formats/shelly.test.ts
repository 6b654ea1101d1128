import { describe, expect, it } from 'vitest';
import { decodeFixture as decode, observationsOf, TEST_NOW } from './decode-fixture.js';
import { SHELLY_GEN1, SHELLY_GEN2 } from './fixtures-shelly.js';
import { createShellyGen1Format, PAIR_WINDOW_MS } from './shelly-gen1.js';
import { createShellyGen2Format } from './shelly-gen2.js';

describe('shelly-gen1 format', () => {
  it('emits each value as it arrives, joined with the other values of the same wake', () => {
    const gen1 = createShellyGen1Format();
    expect(observationsOf(decode(gen1, SHELLY_GEN1.battery, TEST_NOW))).toEqual([]);
    expect(observationsOf(decode(gen1, SHELLY_GEN1.temperature, TEST_NOW + 200))).toEqual([
      { device: 'shellyht-6FE1E2', temperature: 4.25, temperatureUnit: 'C', humidity: undefined, battery: 87 },
    ]);
    expect(observationsOf(decode(gen1, SHELLY_GEN1.humidity, TEST_NOW + 400))).toEqual([
      { device: 'shellyht-6FE1E2', temperature: 4.25, temperatureUnit: 'C', humidity: 91.5, battery: 87 },
    ]);
  });

  it('does not join a value from an earlier wake', () => {
    const gen1 = createShellyGen1Format();
    decode(gen1, SHELLY_GEN1.temperature, TEST_NOW);
    const [later] = observationsOf(decode(gen1, SHELLY_GEN1.humidity, TEST_NOW + PAIR_WINDOW_MS + 1));
    expect(later).toEqual({ device: 'shellyht-6FE1E2', temperature: undefined, temperatureUnit: 'C', humidity: 91.5 });
  });

  it('marks °F when the device is configured for it, and joins the remembered value in °C', () => {
    const gen1 = createShellyGen1Format({ temperatureUnit: 'F' });
    expect(observationsOf(decode(gen1, SHELLY_GEN1.temperatureF))).toMatchObject([{ temperature: 39.65, temperatureUnit: 'F' }]);
    const [joined] = observationsOf(decode(gen1, { topic: 'shellies/shellyht-A1B2C3/sensor/humidity', payload: '80' }));
    expect(joined!.temperatureUnit).toBe('C');
    expect(joined!.temperature).toBeCloseTo(4.25, 10);
  });

  it('reads the add-on probe in °C as a channel and ignores its °F twin and the relay chip', () => {
    const gen1 = createShellyGen1Format({ temperatureUnit: 'F' }); // the H&T unit does not apply to the add-on
    expect(observationsOf(decode(gen1, SHELLY_GEN1.addonProbe))).toMatchObject([{ device: 'shelly1-XXXXXX', channel: 'ext-0', temperature: 3.69, temperatureUnit: 'C' }]);
    expect(decode(gen1, SHELLY_GEN1.addonProbeF)).toBe('no match');
    expect(decode(gen1, SHELLY_GEN1.relayChip)).toBe('no match');
  });

  it('reports a sensor error, accepts error 0, ignores other H&T topics', () => {
    const gen1 = createShellyGen1Format();
    expect(decode(gen1, SHELLY_GEN1.errorSet)).toMatchObject({ ok: false, reason: 'sensor_error' });
    expect(decode(gen1, SHELLY_GEN1.errorNone)).toEqual({ ok: true, observations: [] });
    for (const f of [SHELLY_GEN1.actReasons, SHELLY_GEN1.extPower, SHELLY_GEN1.online]) expect(decode(gen1, f), f.topic).toBe('no match');
  });

  it('passes a garbled value through for normalization to refuse, and never joins it', () => {
    const gen1 = createShellyGen1Format();
    expect(observationsOf(decode(gen1, SHELLY_GEN1.garbled))).toMatchObject([{ temperature: Number.NaN }]);
    expect(observationsOf(decode(gen1, SHELLY_GEN1.humidity))).toMatchObject([{ temperature: undefined, humidity: 91.5 }]);
  });
});

describe('shelly-gen2 format', () => {
  it('reads the recorded Plus H&T full status; a null sys.unixtime means no device time', () => {
    expect(observationsOf(decode(createShellyGen2Format(), SHELLY_GEN2.plusHtFull))).toEqual([
      { device: 'shellyplusht-b8d61a8b17cc', temperature: 19.8, temperatureUnit: 'C', humidity: 42.2, battery: 0 },
    ]);
  });

  it('overlays NotifyStatus on the last full status: a humidity change keeps the known temperature and battery', () => {
    const gen2 = createShellyGen2Format();
    expect(observationsOf(decode(gen2, SHELLY_GEN2.htG3Full))).toEqual([
      { device: 'shellyhtg3-5432045b561c', temperature: 17.6, temperatureUnit: 'C', battery: 67, deviceTime: 1753733762310 },
    ]);
    expect(observationsOf(decode(gen2, SHELLY_GEN2.htG3HumidityChange))).toEqual([
      { device: 'shellyhtg3-5432045b561c', temperature: 17.6, temperatureUnit: 'C', humidity: 64.9, battery: 67, deviceTime: 1753734362050 },
    ]);
  });

  it('without a known status, a NotifyStatus yields what it carries; ts null means no device time', () => {
    const gen2 = createShellyGen2Format();
    expect(observationsOf(decode(gen2, SHELLY_GEN2.htG3HumidityChange))).toEqual([{ device: 'shellyhtg3-5432045b561c', humidity: 64.9, deviceTime: 1753734362050 }]);
    expect(observationsOf(decode(gen2, SHELLY_GEN2.htG3NoClock))).toEqual([{ device: 'shellyhtg3-aabbccddeeff', temperature: 3.1, temperatureUnit: 'C', humidity: 88 }]);
  });

  it('keeps devices apart and starts over on NotifyFullStatus', () => {
    const gen2 = createShellyGen2Format();
    decode(gen2, SHELLY_GEN2.htG3Full);
    decode(gen2, SHELLY_GEN2.htG3NoClock);
    const fullAgain = SHELLY_GEN2.htG3Full.payload.replace('"devicepower:0":{"id":0,"battery":{"V":5.35,"percent":67},"external":{"present":false}},', '');
    expect(observationsOf(decode(gen2, { topic: SHELLY_GEN2.htG3Full.topic, payload: fullAgain }))).toEqual([
      { device: 'shellyhtg3-5432045b561c', temperature: 17.6, temperatureUnit: 'C', deviceTime: 1753733762310 },
    ]);
  });

  it('turns add-on probes into channels by component id; a null tC passes through for normalization to refuse', () => {
    expect(observationsOf(decode(createShellyGen2Format(), SHELLY_GEN2.addonProbes))).toEqual([
      { device: 'shellyplus1-a8032abc7158', channel: '100', temperature: 2.4, temperatureUnit: 'C', deviceTime: 1753734400500 },
      { device: 'shellyplus1-a8032abc7158', channel: '101', temperature: null, temperatureUnit: 'C', deviceTime: 1753734400500 },
    ]);
  });

  it('yields nothing for switch changes and events, ignores other topics, reports malformed frames', () => {
    const gen2 = createShellyGen2Format();
    expect(decode(gen2, SHELLY_GEN2.switchChange)).toEqual({ ok: true, observations: [] });
    expect(decode(gen2, SHELLY_GEN2.event)).toEqual({ ok: true, observations: [] });
    expect(decode(gen2, SHELLY_GEN2.online)).toBe('no match');
    expect(decode(gen2, SHELLY_GEN2.malformed)).toMatchObject({ ok: false });
    expect(decode(gen2, { topic: SHELLY_GEN2.switchChange.topic, payload: '{"method":"NotifyStatus","params":[]}' })).toMatchObject({ ok: false });
  });
});

describe('shelly-gen2 and hostile frames', () => {
  it('skips a "__proto__" member instead of merging it into Object.prototype (found by test/fuzz)', () => {
    const gen2 = createShellyGen2Format();
    const frame = (params: string) => ({ topic: 'shellyhtg3-aabbccddeeff/events/rpc', payload: `{"method":"NotifyStatus","params":${params}}` });
    try {
      expect(observationsOf(decode(gen2, frame('{"__proto__":{"polluted":1},"temperature:0":{"id":0,"tC":3.1,"__proto__":{"tF":1}}}')))).toEqual([
        { device: 'shellyhtg3-aabbccddeeff', temperature: 3.1, temperatureUnit: 'C' },
      ]);
      expect(observationsOf(decode(gen2, frame('{"__proto__":{"method":null}}')))).toEqual([]);
      expect(Object.hasOwn(Object.prototype, 'polluted') || Object.hasOwn(Object.prototype, 'tF') || Object.hasOwn(Object.prototype, 'method')).toBe(false);
    } finally {
      for (const key of ['polluted', 'tF', 'method']) delete (Object.prototype as Record<string, unknown>)[key];
    }
  });
});

describe('shelly formats and retained messages', () => {
  it('gen1: a retained value replayed at subscribe is not joined to the next live value', () => {
    const gen1 = createShellyGen1Format();
    const payload = Buffer.from(SHELLY_GEN1.temperature.payload);
    gen1.decode({ topic: SHELLY_GEN1.temperature.topic, payload, now: TEST_NOW, retained: true });
    expect(observationsOf(decode(gen1, SHELLY_GEN1.humidity, TEST_NOW + 100))).toMatchObject([{ temperature: undefined, humidity: 91.5 }]);
  });

  it('gen2: a retained frame is read against the known status but does not change it', () => {
    const gen2 = createShellyGen2Format();
    decode(gen2, SHELLY_GEN2.htG3Full);
    const retainedChange = { topic: SHELLY_GEN2.htG3HumidityChange.topic, payload: Buffer.from(SHELLY_GEN2.htG3HumidityChange.payload), now: TEST_NOW, retained: true };
    expect(observationsOf(gen2.decode(retainedChange))).toMatchObject([{ temperature: 17.6, humidity: 64.9 }]);
    const tempOnly = SHELLY_GEN2.htG3HumidityChange.payload.replace('"humidity:0":{"id":0,"rh":64.9}', '"temperature:0":{"id":0,"tC":18.1}');
    expect(observationsOf(decode(gen2, { topic: SHELLY_GEN2.htG3HumidityChange.topic, payload: tempOnly }))).toEqual([
      { device: 'shellyhtg3-5432045b561c', temperature: 18.1, temperatureUnit: 'C', battery: 67, deviceTime: 1753734362050 },
    ]);
  });
});
