/**
 * XY-MD02 slaves answered through real request frames written by node-serialport on the host
 * side, over a socat pty pair and over the mock binding. Expected frames are literals whose
 * CRCs were computed independently (a bit-by-bit CRC-16/MODBUS in Python), not by crc16.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/support/tools.js';
import { silentLogger } from '../../common/log.js';
import { hasValidCrc } from '../../edge/inputs/modbus/crc16.js';
import { closeSerialPort, type SerialPortStream } from '../../edge/serial/port.js';
import type { DeviceContext, EmittedValue } from '../device.js';
import { openPtyEndpoint, type SerialEndpoint } from '../endpoint.js';
import { openMockEndpoint } from '../mock-line.js';
import { HostReader, openHostSide } from '../testing.js';
import { decodeTemperature, humidityRegister, startXyMd02Bus, temperatureRegister, type XyMd02Bus, type XyMd02Slave } from './xy-md02.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const constant = (tempC: number, rh: number) => () => ({ tempC, rh });

const noSocat = skipWithoutTool('socat');
const transports = [
  { name: 'pty (socat, real bindings)', skip: noSocat, open: () => openPtyEndpoint({ baudRate: 9600 }) },
  { name: 'mock binding', skip: false, open: async () => openMockEndpoint({ path: `/dev/ttyTEST-${randomUUID()}` }) },
];

describe('register encoding', () => {
  it('encodes temperature ×10 as signed 16-bit and humidity ×10', () => {
    expect(temperatureRegister(-20.5)).toBe(0xff33);
    expect(temperatureRegister(23.4)).toBe(0x00ea);
    expect(temperatureRegister(1.25)).toBe(13); // Math.round: what 1.25 °C reads as on the wire
    expect(decodeTemperature(0xff33)).toBe(-20.5);
    expect(humidityRegister(45.6)).toBe(0x01c8);
    expect(humidityRegister(104)).toBe(1000);
  });
});

describe.each(transports)('XY-MD02 bus over $name', ({ skip, open }) => {
  let bus: XyMd02Bus | undefined;
  let host: SerialPortStream | undefined;
  afterEach(async () => {
    if (host) await closeSerialPort(host);
    if (bus) await bus.stop();
    host = undefined;
    bus = undefined;
  });

  async function setup(slaves: XyMd02Slave[]): Promise<{ reader: HostReader; emitted: EmittedValue[]; request(frame: Buffer): void }> {
    const endpoint: SerialEndpoint = await open();
    const emitted: EmittedValue[] = [];
    const context: DeviceContext = { logger: silentLogger(), now: Date.now, scenarioTime: () => 0, record: (v) => emitted.push(v) };
    bus = startXyMd02Bus({ endpoint, baudRate: 9600, slaves, context });
    host = await openHostSide({ transport: endpoint.kind, hostPath: endpoint.hostPath });
    const port = host;
    return { reader: new HostReader(port), emitted, request: (frame) => void port.write(frame) };
  }

  it.skipIf(skip)('answers Read Input Registers with temperature and humidity ×10', async () => {
    const { reader, request, emitted } = await setup([{ address: 1, climate: constant(23.4, 45.6) }]);
    request(hex('01 04 00 01 00 02 20 0b'));
    expect((await reader.take(9)).toString('hex')).toBe('01040400ea01c8da76');
    expect(emitted).toMatchObject([{ address: 1, tempC: 23.4, rh: 45.6, wire: '01040400ea01c8da76' }]);
  });

  it.skipIf(skip)('encodes a negative temperature in two\'s complement (0xFF33 = −20.5 °C)', async () => {
    const { reader, request, emitted } = await setup([{ address: 5, climate: constant(-20.5, 45.6) }]);
    request(hex('05 04 00 01 00 02 21 8f'));
    expect((await reader.take(9)).toString('hex')).toBe('050404ff3301c87e59');
    expect(emitted[0]).toMatchObject({ address: 5, tempC: -20.5, rh: 45.6 });
  });

  it.skipIf(skip)('reads a single register and the read-only holding registers', async () => {
    const { reader, request, emitted } = await setup([{ address: 1, climate: constant(23.4, 45.6) }]);
    request(hex('01 04 00 01 00 01 60 0a'));
    expect((await reader.take(7)).toString('hex')).toBe('01040200ea38bf');
    request(hex('01 03 01 01 00 02 94 37'));
    expect((await reader.take(9)).toString('hex')).toBe('010304000100 00abf3'.replace(/\s/g, ''));
    // Only the input-register read is a reading, and it carries only the temperature.
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.tempC).toBe(23.4);
    expect(emitted[0]!.rh).toBeUndefined();
  });

  it.skipIf(skip)('answers exceptions: illegal function, illegal data address, illegal data value', async () => {
    const { reader, request, emitted } = await setup([{ address: 1, climate: constant(1, 90) }]);
    request(hex('01 06 00 01 00 05 18 09'));
    expect((await reader.take(5)).toString('hex')).toBe('01860183a0');
    request(hex('01 04 00 03 00 01 c1 ca'));
    expect((await reader.take(5)).toString('hex')).toBe('018402c2c1');
    request(hex('01 04 00 01 00 00 a1 ca'));
    expect((await reader.take(5)).toString('hex')).toBe('0184030301');
    expect(emitted).toEqual([]);
    expect(bus!.stats().exceptions).toBe(3);
  });

  it.skipIf(skip)('ignores a request with a bad CRC, then answers the next good one', async () => {
    const { reader, request } = await setup([{ address: 1, climate: constant(23.4, 45.6) }]);
    request(hex('01 04 00 01 00 02 20 0c'));
    request(hex('01 04 00 01 00 02 20 0b'));
    // Had the bad request been answered, its reply would have come first.
    expect((await reader.take(9)).toString('hex')).toBe('01040400ea01c8da76');
    expect(bus!.stats().ignored.badCrc).toBe(1);
    expect(bus!.stats().replies).toBe(1);
  });

  it.skipIf(skip)('ignores requests for another address and broadcasts; several slaves share the bus', async () => {
    const { reader, request, emitted } = await setup([
      { address: 1, climate: constant(23.4, 45.6) },
      { address: 5, climate: constant(-20.5, 45.6) },
    ]);
    request(hex('09 04 00 01 00 02 21 43'));
    request(hex('00 04 00 01 00 02 21 da'));
    request(hex('05 04 00 01 00 02 21 8f'));
    request(hex('01 04 00 01 00 02 20 0b'));
    expect((await reader.take(18)).toString('hex')).toBe('050404ff3301c87e59' + '01040400ea01c8da76');
    expect(emitted.map((e) => e.address)).toEqual([5, 1]);
    expect(bus!.stats().ignored).toMatchObject({ otherAddress: 1, broadcast: 1 });
  });

  it.skipIf(skip)('a silent slave never answers while the others do', async () => {
    const { reader, request } = await setup([
      { address: 1, climate: constant(23.4, 45.6), silent: true },
      { address: 5, climate: constant(-20.5, 45.6) },
    ]);
    request(hex('01 04 00 01 00 02 20 0b'));
    request(hex('05 04 00 01 00 02 21 8f'));
    expect((await reader.take(9)).toString('hex')).toBe('050404ff3301c87e59');
    expect(bus!.stats().ignored.silent).toBe(1);
  });

  it.skipIf(skip)('badCrcEvery corrupts every Nth reply, which is not recorded as emitted', async () => {
    const { reader, request, emitted } = await setup([{ address: 1, climate: constant(23.4, 45.6), badCrcEvery: 2 }]);
    const replies: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      request(hex('01 04 00 01 00 02 20 0b'));
      replies.push(await reader.take(9));
    }
    expect(replies.map((r) => hasValidCrc(r))).toEqual([true, false, true, false]);
    // The payload is intact; only the check bytes differ.
    expect(replies[1]!.subarray(0, 7)).toEqual(replies[0]!.subarray(0, 7));
    expect(emitted).toHaveLength(2);
    expect(bus!.stats().corruptedReplies).toBe(2);
  });

  it.skipIf(skip)('responseDelayMs holds the reply back', async () => {
    const { reader, request } = await setup([{ address: 1, climate: constant(23.4, 45.6), responseDelayMs: 150 }]);
    const sent = Date.now();
    request(hex('01 04 00 01 00 02 20 0b'));
    await reader.take(9);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(145);
  });

  it.skipIf(skip)('records the value a receiver decodes (1.25 °C → register 13 → 1.3 °C)', async () => {
    const { reader, request, emitted } = await setup([{ address: 1, climate: constant(1.25, 91.04) }]);
    request(hex('01 04 00 01 00 02 20 0b'));
    const reply = await reader.take(9);
    expect(reply.readUInt16BE(3)).toBe(13);
    expect(reply.readUInt16BE(5)).toBe(910);
    expect(emitted[0]).toMatchObject({ tempC: 1.3, rh: 91 });
  });
});
