/**
 * The modbus input against a real pseudo-terminal pair: the test plays the RS-485 bus of
 * XY-MD02 sensors on the far end through node-serialport's real bindings.
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
import { hasValidCrc, withCrc } from './crc16.js';
import { createModbusInput, type ModbusInputConfig } from './index.js';

type Behaviour =
  | { kind: 'reply'; temp: number; rh: number; split?: boolean }
  | { kind: 'silent' }
  | { kind: 'badCrc' }
  | { kind: 'exception'; code: number }
  | { kind: 'short' }
  | { kind: 'late'; delayMs: number; temp: number; rh: number };

/** XY-MD02 read-input-registers reply: temperature and humidity ×10, temperature signed. */
function registersReply(address: number, temp: number, rh: number): Buffer {
  const t = Math.round(temp * 10) & 0xffff;
  const h = Math.round(rh * 10);
  return withCrc(Uint8Array.of(address, 0x04, 0x04, t >>> 8, t & 0xff, h >>> 8, h & 0xff));
}

/** The far end of the bus: answers 8-byte read requests per address as scripted. */
class FakeBus {
  readonly requests: number[] = [];
  private rx = Buffer.alloc(0);
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly port: SerialPort,
    private readonly behaviours: Map<number, Behaviour>,
  ) {
    port.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static async open(path: string, behaviours: Map<number, Behaviour>): Promise<FakeBus> {
    const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    return new FakeBus(port, behaviours);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onData(chunk: Buffer): void {
    this.rx = Buffer.concat([this.rx, chunk]);
    while (this.rx.length >= 8) {
      const frame = this.rx.subarray(0, 8);
      if (!hasValidCrc(frame)) {
        this.rx = this.rx.subarray(1);
        continue;
      }
      this.rx = this.rx.subarray(8);
      this.answer(frame[0]!);
    }
  }

  private answer(address: number): void {
    this.requests.push(address);
    const b = this.behaviours.get(address) ?? { kind: 'silent' };
    const send = (bytes: Buffer): void => {
      if (this.port.isOpen) this.port.write(bytes);
    };
    switch (b.kind) {
      case 'reply': {
        const bytes = registersReply(address, b.temp, b.rh);
        if (!b.split) return send(bytes);
        // A reply that arrives in two pieces, as USB adapters deliver them.
        send(bytes.subarray(0, 4));
        return this.later(15, () => send(bytes.subarray(4)));
      }
      case 'badCrc': {
        const bytes = registersReply(address, 5, 50);
        bytes[bytes.length - 1]! ^= 0x5a;
        return send(bytes);
      }
      case 'exception':
        return send(withCrc(Uint8Array.of(address, 0x84, b.code)));
      case 'short':
        return send(registersReply(address, 5, 50).subarray(0, 5));
      case 'late':
        return this.later(b.delayMs, () => send(registersReply(address, b.temp, b.rh)));
      case 'silent':
        return;
    }
  }
}

const skip = skipWithoutTool('socat');

describe.skipIf(skip)('modbus input on a real pty', () => {
  let pty: PtyPair;
  let bus: FakeBus | undefined;
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
    await bus?.close();
    await pty.close();
    input = undefined;
    bus = undefined;
  });

  async function start(behaviours: Map<number, Behaviour>, overrides: Partial<ModbusInputConfig>): Promise<void> {
    bus = await FakeBus.open(pty.devicePath, behaviours);
    const config: ModbusInputConfig = {
      type: 'modbus',
      name: 'rs485',
      port: pty.hostPath,
      pollIntervalMs: 100,
      // Generous for a pty (replies take a few ms); only silent sensors ever wait this long.
      timeoutMs: 500,
      retries: 0,
      sensors: [],
      ...overrides,
    };
    input = createModbusInput(config, { logger: silentLogger(), metrics, now: () => now });
    await input.start(async (r) => {
      readings.push(r);
    });
  }

  const errors = (reason: string): Promise<number> => counterValue(metrics.readErrors, { input: 'rs485', reason });

  it('reads two sensors on one bus, including a negative temperature and a split reply', async () => {
    await start(
      new Map<number, Behaviour>([
        [1, { kind: 'reply', temp: 23.4, rh: 45.6 }],
        [2, { kind: 'reply', temp: -20.5, rh: 88, split: true }],
      ]),
      {
        sensors: [
          { id: 'cr1-a', address: 1, location: 'cold-room-1' },
          { id: 'cr2-a', address: 2, location: 'freezer-2' },
        ],
      },
    );
    await waitFor(() => readings.some((r) => r.sensor === 'cr2-a') && readings.some((r) => r.sensor === 'cr1-a'), 'readings of both sensors');
    expect(readings.find((r) => r.sensor === 'cr1-a')).toEqual({
      sensor: 'cr1-a',
      location: 'cold-room-1',
      ts: now,
      tsSource: 'gateway',
      tempC: 23.4,
      rh: 45.6,
      src: `modbus:${pty.hostPath}#1`,
    });
    expect(readings.find((r) => r.sensor === 'cr2-a')).toMatchObject({ tempC: -20.5, rh: 88, location: 'freezer-2', src: `modbus:${pty.hostPath}#2` });
    expect(await errors('timeout')).toBe(0);
    expect(await errors('crc')).toBe(0);
    expect(await counterValue(metrics.readings, { input: 'rs485' })).toBeGreaterThanOrEqual(2);
  });

  it('counts a silent sensor as timeouts (each attempt) and still reads the others', async () => {
    await start(
      new Map<number, Behaviour>([
        [1, { kind: 'reply', temp: 4.1, rh: 91.2 }],
        [3, { kind: 'silent' }],
        [2, { kind: 'reply', temp: 2.5, rh: 93 }],
      ]),
      {
        retries: 1,
        sensors: [
          { id: 's1', address: 1, location: 'room' },
          { id: 's3', address: 3, location: 'room' },
          { id: 's2', address: 2, location: 'room' },
        ],
      },
    );
    await waitFor(async () => readings.filter((r) => r.sensor === 's2').length >= 2 && (await errors('timeout')) >= 4, 'two rounds past the silent sensor');
    expect(readings.some((r) => r.sensor === 's3')).toBe(false);
    expect(readings.filter((r) => r.sensor === 's1').length).toBeGreaterThanOrEqual(2);
    // One request at a time, in order; retries: 1 → the silent sensor is asked twice per round.
    expect(bus!.requests.slice(0, 8)).toEqual([1, 3, 3, 2, 1, 3, 3, 2]);
  });

  it('counts a bad CRC, an exception and a short frame, and emits nothing for them', async () => {
    await start(
      new Map<number, Behaviour>([
        [4, { kind: 'badCrc' }],
        [5, { kind: 'exception', code: 0x02 }],
        [6, { kind: 'short' }],
        [1, { kind: 'reply', temp: 1, rh: 90 }],
      ]),
      {
        sensors: [
          { id: 'crc', address: 4, location: 'room' },
          { id: 'exc', address: 5, location: 'room' },
          { id: 'short', address: 6, location: 'room' },
          { id: 'good', address: 1, location: 'room' },
        ],
      },
    );
    await waitFor(async () => (await errors('crc')) >= 1 && (await errors('exception')) >= 1 && (await errors('malformed')) >= 1 && readings.length >= 1, 'one of each error');
    expect(readings.every((r) => r.sensor === 'good')).toBe(true);
    expect(await errors('timeout')).toBe(0);
  });

  it('does not take a late reply from one sensor for the reply of the next', async () => {
    await start(
      new Map<number, Behaviour>([
        [7, { kind: 'late', delayMs: 700, temp: 66.6, rh: 6.6 }],
        // Sensor 1 answers slowly, so sensor 7's late reply lands while 1's request is outstanding.
        [1, { kind: 'late', delayMs: 250, temp: 3.3, rh: 80 }],
      ]),
      {
        pollIntervalMs: 100,
        sensors: [
          { id: 'late', address: 7, location: 'room' },
          { id: 'next', address: 1, location: 'room' },
        ],
      },
    );
    await waitFor(() => readings.filter((r) => r.sensor === 'next').length >= 2, 'two rounds');
    expect(readings.every((r) => r.sensor === 'next' && r.tempC === 3.3 && r.rh === 80)).toBe(true);
    expect(await errors('timeout')).toBeGreaterThanOrEqual(2);
  });

  it('reports a port that cannot be opened, naming it', async () => {
    const config: ModbusInputConfig = { type: 'modbus', name: 'rs485', port: '/dev/does-not-exist-ft', sensors: [{ id: 'x', address: 1, location: 'room' }] };
    input = createModbusInput(config, { logger: silentLogger(), metrics, now: () => now });
    await expect(input.start(async () => {})).rejects.toThrow('/dev/does-not-exist-ft');
    input = undefined;
  });

  it('stops promptly while waiting for a silent sensor, and emits nothing afterwards', async () => {
    await start(new Map<number, Behaviour>([[1, { kind: 'reply', temp: 3, rh: 80 }]]), {
      timeoutMs: 5000,
      sensors: [
        { id: 'a', address: 1, location: 'room' },
        { id: 'dead', address: 9, location: 'room' },
      ],
    });
    await waitFor(() => bus!.requests.includes(9), 'the request to the silent sensor');
    const t0 = Date.now();
    await input!.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    const count = readings.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(readings.length).toBe(count);
    expect(await errors('timeout')).toBe(0);
  });
});
