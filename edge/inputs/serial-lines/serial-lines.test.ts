/**
 * The serial-lines input against a real pseudo-terminal pair; the test plays the Arduino on
 * the far end through node-serialport's real bindings.
 */
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/log.js';
import type { Reading } from '../../../protocol/reading.js';
import { counterValue } from '../../../test/support/metrics.js';
import { createPtyPair as openPtyPair, type PtyPair } from '../../../firmware-sim/pty.js';
import { skipWithoutTool } from '../../../test/support/tools.js';
import { waitFor } from '../../../test/support/wait.js';
import { EdgeMetrics } from '../../metrics.js';
import type { Input } from '../types.js';
import { createSerialLinesInput, type SerialLinesInputConfig } from './index.js';

const skip = skipWithoutTool('socat');

describe.skipIf(skip)('serial-lines input on a real pty', () => {
  let pty: PtyPair;
  let device: SerialPort | undefined;
  let input: Input | undefined;
  let metrics: EdgeMetrics;
  let readings: Reading[];
  const now = 1_750_000_000_000;

  beforeEach(async () => {
    pty = await openPtyPair();
    metrics = new EdgeMetrics();
    readings = [];
  });

  afterEach(async () => {
    await input?.stop();
    if (device?.isOpen) await new Promise<void>((r) => device!.close(() => r()));
    await pty.close();
    input = undefined;
    device = undefined;
  });

  async function start(overrides: Partial<SerialLinesInputConfig>): Promise<void> {
    device = new SerialPort({ path: pty.devicePath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => device!.open((err) => (err ? reject(err) : resolve())));
    const config: SerialLinesInputConfig = {
      type: 'serial-lines',
      name: 'arduino',
      port: pty.hostPath,
      format: 'dht',
      sensor: { id: 'dht-1', location: 'truck-7-front' },
      ...overrides,
    };
    input = createSerialLinesInput(config, { logger: silentLogger(), metrics, now: () => now });
    await input.start(async (r) => {
      readings.push(r);
    });
  }

  const write = (data: string | Buffer): Promise<void> =>
    new Promise((resolve, reject) => device!.write(data, (err) => (err ? reject(err) : device!.drain(() => resolve()))));
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const errors = (reason: string): Promise<number> => counterValue(metrics.readErrors, { input: 'arduino', reason });

  it('turns DHTtester lines into readings and counts failures and garbage', async () => {
    await start({});
    await write('DHTxx test!\r\n');
    await write('Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F\r\n');
    await write('Failed to read from DHT sensor!\r\n');
    // Wrong-baud garbage: bytes that are no line at all, then a newline.
    await write(Buffer.from([0xf8, 0x00, 0x80, 0xfe, 0x78, 0x86, 0x0d, 0x0a]));
    await write('Humidity: 61.20 %\tTemperature: 3.10 *C 37.58 *F\tHeat index: 1.93 *C 35.47 *F\r\n');
    // A line split across two writes, as a slow UART delivers it.
    await write('Humidity: 88.00%  Tempera');
    await pause(50);
    await write('ture: -1.50°C 29.30°F  Heat index: -3.13°C 26.37°F\r\n');
    await waitFor(() => readings.length >= 3, 'three readings');
    await waitFor(async () => (await errors('parse')) >= 1, 'the garbage counted');

    expect(readings).toEqual([
      { sensor: 'dht-1', location: 'truck-7-front', ts: now, tsSource: 'gateway', tempC: 23, rh: 45, src: `serial:${pty.hostPath}` },
      { sensor: 'dht-1', location: 'truck-7-front', ts: now, tsSource: 'gateway', tempC: 3.1, rh: 61.2, src: `serial:${pty.hostPath}` },
      { sensor: 'dht-1', location: 'truck-7-front', ts: now, tsSource: 'gateway', tempC: -1.5, rh: 88, src: `serial:${pty.hostPath}` },
    ]);
    expect(await errors('sensor_error')).toBe(1);
    expect(await errors('parse')).toBe(1);
    expect(await counterValue(metrics.readings, { input: 'arduino' })).toBe(3);
  });

  it('pairs SHT31test lines and refuses an impossible value', async () => {
    await start({ format: 'sht31', sensor: { id: 'sht-1', location: 'cold-room-2' } });
    await write('SHT31 test\r\nTemp *C = 2.25\r\nHum. % = 94.50\r\n\r\n');
    await write('Temp *C = 130.00\r\nHum. % = 94.50\r\n\r\n'); // above LIMITS.tempC: invalid_value
    await write('Failed to read sensor\r\n\r\n');
    await write('Temp *C = 2.50\r\nHum. % = 94.00\r\n\r\n');
    await waitFor(() => readings.length >= 2, 'two readings');
    await waitFor(async () => (await errors('sensor_error')) >= 1 && (await errors('invalid_value')) >= 1, 'the errors counted');
    expect(readings.map((r) => [r.sensor, r.tempC, r.rh])).toEqual([
      ['sht-1', 2.25, 94.5],
      ['sht-1', 2.5, 94],
    ]);
  });

  it('reads a user pattern in °F and converts it', async () => {
    await start({ format: 'pattern', pattern: String.raw`^T=(?<temp>-?[\d.]+)F RH=(?<rh>[\d.]+)$`, unit: 'F' });
    await write('T=39.2F RH=90.5\n');
    await waitFor(() => readings.length >= 1, 'one reading');
    expect(readings[0]).toMatchObject({ tempC: 4, rh: 90.5 });
  });
});
