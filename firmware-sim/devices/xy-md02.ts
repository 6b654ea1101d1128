/**
 * XY-MD02 (Sensirion SHT20) temperature/humidity transmitters as Modbus RTU slaves on one
 * simulated RS-485 bus. Register map (reference/devices-and-buffering.md, domoticx XY-MD02):
 *   input registers (0x04): 0x0001 temperature ×10, signed 16-bit (0xFF33 = −20.5 °C),
 *                           0x0002 relative humidity ×10
 *   holding registers (0x03, read-only here): 0x0101 slave address, 0x0102 baud code
 *                           (0 = 9600, 1 = 14400, 2 = 19200), 0x0103/0x0104 corrections ×10
 * Like a real slave it stays silent on a bad CRC, on another address and on broadcasts
 * (Modbus over Serial Line V1.02 §2.1, §2.5.1.2), and answers exceptions otherwise
 * (Modbus Application Protocol V1.1b3 §7).
 */
import { withCrc, hasValidCrc } from '../../edge/inputs/modbus/crc16.js';
import type { Climate } from '../scenarios.js';
import type { DeviceContext, SimulatedDevice } from '../device.js';
import type { SerialEndpoint } from '../endpoint.js';
import { RtuFramer, silenceMs } from './rtu-framer.js';

export const EXCEPTION = { illegalFunction: 0x01, illegalDataAddress: 0x02, illegalDataValue: 0x03 } as const;

export const INPUT_REGISTERS = { temperature: 0x0001, humidity: 0x0002 } as const;
export const HOLDING_REGISTERS = { address: 0x0101, baud: 0x0102, tempCorrection: 0x0103, rhCorrection: 0x0104 } as const;

/** Baud codes of register 0x0102 (XY-MD02 manual as summarized by domoticx). */
const BAUD_CODES: Record<number, number> = { 9600: 0, 14400: 1, 19200: 2 };

export interface XyMd02Slave {
  /** Slave address, 1–247 (§2.2: 0 is broadcast, 248–255 reserved). */
  address: number;
  /** The climate at the sensor at a scenario time. */
  climate(scenarioMs: number): Climate;
  /** Dead sensor: never answers. */
  silent?: boolean;
  /** Corrupts the CRC of every Nth reply of this slave (0 or absent: never). */
  badCrcEvery?: number;
  /** Waits this long before answering (a slow transmitter; the master may time out). */
  responseDelayMs?: number;
}

export interface XyMd02BusOptions {
  endpoint: SerialEndpoint;
  /** The bus baud rate: sets the 3.5-character silence and the value of register 0x0102. */
  baudRate: number;
  slaves: readonly XyMd02Slave[];
  context: DeviceContext;
}

export interface XyMd02Stats {
  /** Frames received, whatever their fate. */
  frames: number;
  replies: number;
  exceptions: number;
  /** Replies sent with a deliberately corrupted CRC (badCrcEvery). */
  corruptedReplies: number;
  ignored: { badCrc: number; otherAddress: number; broadcast: number; silent: number };
}

export interface XyMd02Bus extends SimulatedDevice {
  stats(): XyMd02Stats;
}

/** Encodes °C as the signed ×10 register the SHT20 firmware reports. */
export function temperatureRegister(tempC: number): number {
  const tenths = Math.max(-32768, Math.min(32767, Math.round(tempC * 10)));
  return tenths & 0xffff;
}

/** Encodes % RH as the unsigned ×10 register (0–1000). */
export function humidityRegister(rh: number): number {
  return Math.max(0, Math.min(1000, Math.round(rh * 10)));
}

/** Decodes a temperature register as a receiver does (two's complement, ÷10). */
export function decodeTemperature(register: number): number {
  return (register >= 0x8000 ? register - 0x10000 : register) / 10;
}

export function startXyMd02Bus(options: XyMd02BusOptions): XyMd02Bus {
  const { endpoint, context } = options;
  const slaves = new Map(options.slaves.map((s) => [s.address, s]));
  const replyCounts = new Map<number, number>();
  const stats: XyMd02Stats = { frames: 0, replies: 0, exceptions: 0, corruptedReplies: 0, ignored: { badCrc: 0, otherAddress: 0, broadcast: 0, silent: 0 } };
  let stopped = false;
  // Replies leave in request order even when a slave is slow, as on a half-duplex bus.
  let outgoing: Promise<void> = Promise.resolve();
  const pendingDelays = new Set<NodeJS.Timeout>();

  const framer = new RtuFramer((frame) => onFrame(frame), silenceMs(options.baudRate));
  endpoint.onData((chunk) => {
    if (!stopped) framer.push(chunk);
  });

  function onFrame(frame: Buffer): void {
    stats.frames++;
    if (!hasValidCrc(frame)) return void stats.ignored.badCrc++;
    const address = frame[0]!;
    if (address === 0) return void stats.ignored.broadcast++;
    const slave = slaves.get(address);
    if (!slave) return void stats.ignored.otherAddress++;
    if (slave.silent) return void stats.ignored.silent++;

    const scenarioMs = context.scenarioTime();
    const answer = respond(slave, frame, scenarioMs, options.baudRate);
    if (answer.exception) stats.exceptions++;
    const n = (replyCounts.get(address) ?? 0) + 1;
    replyCounts.set(address, n);
    const corrupt = (slave.badCrcEvery ?? 0) > 0 && n % slave.badCrcEvery! === 0;
    const reply = withCrc(answer.pdu);
    if (corrupt) {
      // Flip bits of the CRC's high byte: the frame is intact but its check no longer holds.
      reply[reply.length - 1]! ^= 0xa5;
      stats.corruptedReplies++;
    }
    const send = async (): Promise<void> => {
      if (stopped) return;
      // Recorded before the bytes leave, so whoever receives them finds them already listed.
      if (!corrupt && answer.values) {
        context.record({ at: context.now(), scenarioMs, address, ...answer.values, wire: reply.toString('hex') });
      }
      stats.replies++;
      await endpoint.write(reply);
    };
    const delay = slave.responseDelayMs ?? 0;
    outgoing = outgoing.then(() =>
      delay > 0
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              pendingDelays.delete(timer);
              send().then(resolve, resolve);
            }, delay);
            pendingDelays.add(timer);
          })
        : send(),
    ).catch((err: unknown) => context.logger.warn({ err: String(err) }, 'xy-md02 reply failed'));
  }

  return {
    // A slave only answers requests: pausing is the master's business (stop polling).
    resume: () => {},
    pause: () => {},
    stats: () => structuredClone(stats),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      framer.reset();
      for (const timer of pendingDelays) clearTimeout(timer);
      pendingDelays.clear();
      await endpoint.close();
    },
  };
}

interface Answer {
  /** Address + PDU, without CRC. */
  pdu: Buffer;
  exception?: boolean;
  /** The reading this reply carries, as a receiver decodes it. */
  values?: { tempC?: number; rh?: number };
}

function respond(slave: XyMd02Slave, frame: Buffer, scenarioMs: number, baudRate: number): Answer {
  const address = slave.address;
  const fn = frame[1]!;
  const exception = (code: number): Answer => ({ pdu: Buffer.from([address, fn | 0x80, code]), exception: true });
  if (fn !== 0x03 && fn !== 0x04) return exception(EXCEPTION.illegalFunction);
  const start = frame.readUInt16BE(2);
  const quantity = frame.readUInt16BE(4);
  // §6.3/§6.4: quantity of registers 1–125, else exception 03.
  if (quantity < 1 || quantity > 0x7d) return exception(EXCEPTION.illegalDataValue);

  let registers: Map<number, number>;
  let values: Answer['values'];
  if (fn === 0x04) {
    const climate = slave.climate(scenarioMs);
    const t = temperatureRegister(climate.tempC);
    const h = humidityRegister(climate.rh);
    registers = new Map([
      [INPUT_REGISTERS.temperature, t],
      [INPUT_REGISTERS.humidity, h],
    ]);
    values = {};
    if (covers(start, quantity, INPUT_REGISTERS.temperature)) values.tempC = decodeTemperature(t);
    if (covers(start, quantity, INPUT_REGISTERS.humidity)) values.rh = h / 10;
  } else {
    registers = new Map([
      [HOLDING_REGISTERS.address, address],
      [HOLDING_REGISTERS.baud, BAUD_CODES[baudRate] ?? 0],
      [HOLDING_REGISTERS.tempCorrection, 0],
      [HOLDING_REGISTERS.rhCorrection, 0],
    ]);
  }
  const data = Buffer.alloc(quantity * 2);
  for (let i = 0; i < quantity; i++) {
    const value = registers.get(start + i);
    if (value === undefined) return exception(EXCEPTION.illegalDataAddress);
    data.writeUInt16BE(value, i * 2);
  }
  return { pdu: Buffer.concat([Buffer.from([address, fn, data.length]), data]), values };
}

function covers(start: number, quantity: number, register: number): boolean {
  return register >= start && register < start + quantity;
}
