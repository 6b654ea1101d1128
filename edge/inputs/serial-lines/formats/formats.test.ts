import { describe, expect, it } from 'vitest';
import { createDhtParser } from './dht.js';
import { createPatternParser } from './pattern.js';
import { createSht31Parser } from './sht31.js';

/** Lines as the Adafruit sketches print them (Serial.print(float) → two fraction digits). */
const DHT_NEW = 'Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F';
const DHT_OLD = 'Humidity: 45.00 %\tTemperature: 23.00 *C 73.40 *F\tHeat index: 22.88 *C 73.18 *F';
const DHT_FREEZER = 'Humidity: 71.30%  Temperature: -18.40°C -1.12°F  Heat index: -19.90°C -3.82°F';

describe('dht line format', () => {
  const dht = createDhtParser();

  it('parses the current DHTtester line', () => {
    expect(dht.parse(DHT_NEW)).toEqual({ kind: 'measurement', temperature: 23, temperatureUnit: 'C', humidity: 45 });
  });

  it('parses the old DHTtester line with tabs and *C', () => {
    expect(dht.parse(DHT_OLD)).toEqual({ kind: 'measurement', temperature: 23, temperatureUnit: 'C', humidity: 45 });
  });

  it('parses negative temperatures', () => {
    expect(dht.parse(DHT_FREEZER)).toMatchObject({ kind: 'measurement', temperature: -18.4, humidity: 71.3 });
  });

  it('parses the oldest form without °F and heat index', () => {
    expect(dht.parse('Humidity: 52.10 %\tTemperature: 4.20 *C')).toMatchObject({ kind: 'measurement', temperature: 4.2, humidity: 52.1 });
  });

  it('reports the failure line as a sensor error', () => {
    expect(dht.parse('Failed to read from DHT sensor!').kind).toBe('sensor_error');
  });

  it('ignores the banner and blank lines', () => {
    expect(dht.parse('DHTxx test!').kind).toBe('ignore');
    expect(dht.parse('').kind).toBe('ignore');
  });

  it('refuses partial lines, garbage and a line whose °C and °F disagree', () => {
    expect(dht.parse('ity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F').kind).toBe('parse');
    expect(dht.parse('Humidity: 45.00%  Temperature: 23.0').kind).toBe('parse');
    expect(dht.parse('\u0000\u00ff\ufffd\ufffdx\u0013').kind).toBe('parse');
    // One corrupted digit: 28.00 °C is 82.40 °F, not 73.40 °F.
    expect(dht.parse('Humidity: 45.00%  Temperature: 28.00°C 73.40°F  Heat index: 22.88°C 73.18°F').kind).toBe('parse');
    expect(dht.parse('Humidity: nan%  Temperature: nan°C nan°F  Heat index: nan°C nan°F').kind).toBe('parse');
  });
});

describe('sht31 line format', () => {
  it('pairs the temperature and humidity lines into one measurement', () => {
    const p = createSht31Parser();
    expect(p.parse('SHT31 test').kind).toBe('ignore');
    expect(p.parse('Temp *C = 23.45').kind).toBe('ignore');
    expect(p.parse('Hum. % = 45.67')).toEqual({ kind: 'measurement', temperature: 23.45, temperatureUnit: 'C', humidity: 45.67 });
    expect(p.parse('').kind).toBe('ignore');
  });

  it('accepts both values on one tab-separated line', () => {
    expect(createSht31Parser().parse('Temp *C = 2.10\t\tHum. % = 93.20')).toMatchObject({ kind: 'measurement', temperature: 2.1, humidity: 93.2 });
  });

  it('refuses a half whose partner was lost', () => {
    const p = createSht31Parser();
    expect(p.parse('Hum. % = 45.67').kind).toBe('parse');
    expect(p.parse('Temp *C = 23.45').kind).toBe('ignore');
    expect(p.parse('Temp *C = 23.50').kind).toBe('parse'); // the first one never got its humidity
    expect(p.parse('Hum. % = 45.70')).toMatchObject({ kind: 'measurement', temperature: 23.5, humidity: 45.7 });
    expect(p.parse('Temp *C = 23.45').kind).toBe('ignore');
    expect(p.parse('Hu#. ?= 4').kind).toBe('parse');
    expect(p.parse('Hum. % = 45.67').kind).toBe('parse'); // its temperature was dropped with the garbage
  });

  it('reports failure lines as sensor errors', () => {
    const p = createSht31Parser();
    expect(p.parse('Failed to read sensor').kind).toBe('sensor_error');
    expect(p.parse('Failed to read humidity').kind).toBe('sensor_error');
  });
});

describe('pattern line format', () => {
  it('reads named groups with a unit group', () => {
    const p = createPatternParser({ pattern: String.raw`^T=(?<temp>[-\d.]+)(?<unit>[CF]);H=(?<rh>[\d.]+)$`, unit: 'C', inputName: 'x' });
    expect(p.parse('T=39.20F;H=88.1')).toEqual({ kind: 'measurement', temperature: 39.2, temperatureUnit: 'F', humidity: 88.1 });
    expect(p.parse('T=4.00C;H=88.1')).toMatchObject({ temperatureUnit: 'C', temperature: 4 });
    expect(p.parse('hello').kind).toBe('parse');
  });

  it('uses the configured unit without a unit group, and a failure pattern', () => {
    const p = createPatternParser({ pattern: String.raw`^temp (?<temp>\S+)$`, unit: 'F', failurePattern: '^ERR', inputName: 'x' });
    expect(p.parse('temp 40.0')).toMatchObject({ temperature: 40, temperatureUnit: 'F' });
    expect(p.parse('ERR 3').kind).toBe('sensor_error');
    // A group that captured something that is not a decimal becomes NaN, which normalization refuses.
    expect(p.parse('temp 1e3')).toMatchObject({ kind: 'measurement', temperature: Number.NaN });
  });

  it('refuses a pattern without the named groups or one that does not compile', () => {
    expect(() => createPatternParser({ pattern: '^(\\d+)$', unit: 'C', inputName: 'x' })).toThrow(/named group/);
    expect(() => createPatternParser({ pattern: '(?<temp>', unit: 'C', inputName: 'x' })).toThrow(/not a valid regular expression/);
  });
});
