/**
 * Fuzz: Modbus RTU replies (edge/inputs/modbus/frame.ts scanReply, fed whole and in chunks
 * through rtu.ts RtuMaster) and the reading the input builds from the registers. Random bytes
 * and mutated valid replies give registers, an exception, a CRC or malformed verdict, or
 * `incomplete`, never a throw; registers become a reading within the physical limits or an
 * invalid_value refusal, never NaN.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCrc } from '../../edge/inputs/modbus/crc16.js';
import { scanReply, toInt16, type ReadRequest, type ReplyScan } from '../../edge/inputs/modbus/frame.js';
import { RtuMaster, type RtuResult } from '../../edge/inputs/modbus/rtu.js';
import { normalizeObservation } from '../../edge/inputs/normalize.js';
import { readingProblems } from '../../protocol/reading.js';
import { applyByteMutations, byteMutations } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);

const request: fc.Arbitrary<ReadRequest> = fc.record({
  address: fc.oneof(fc.constantFrom(1, 2, 247), fc.integer({ min: 1, max: 247 })),
  fn: fc.constantFrom<ReadRequest['fn']>(0x03, 0x04),
  start: fc.integer({ min: 0, max: 0xffff }),
  count: fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: 1, max: 125 })),
});

/** The normal reply to `req` carrying `registers` (Application Protocol §6.3/§6.4). */
function validReply(req: ReadRequest, registers: readonly number[]): Buffer {
  const data = registers.slice(0, req.count).flatMap((r) => [r >>> 8, r & 0xff]);
  while (data.length < 2 * req.count) data.push(0);
  return withCrc(Uint8Array.of(req.address, req.fn, 2 * req.count, ...data));
}

const exceptionReply = (req: ReadRequest, code: number): Buffer => withCrc(Uint8Array.of(req.address, req.fn | 0x80, code));

/** A request, and bytes on the line: noise, a valid or exception reply, or a mutated one, possibly after noise. */
const scenario = fc
  .tuple(request, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 125, maxLength: 125 }), fc.integer({ min: 0, max: 255 }))
  .chain(([req, registers, code]) => {
    const reply = validReply(req, registers);
    const noise = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
    const line = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.constant(reply),
      fc.constant(exceptionReply(req, code)),
      byteMutations().map((m) => applyByteMutations(reply, m)),
      byteMutations().map((m) => applyByteMutations(exceptionReply(req, code), m)),
      fc.tuple(noise, byteMutations()).map(([n, m]) => Buffer.concat([n, applyByteMutations(reply, m)])),
      noise.map((n) => Buffer.concat([n, reply])),
    );
    return fc.record({ req: fc.constant(req), registers: fc.constant(registers.slice(0, req.count)), line });
  });

function checkScan(scan: ReplyScan | RtuResult, req: ReadRequest): void {
  switch (scan.kind) {
    case 'registers':
      if (scan.registers.length !== req.count || !scan.registers.every((r) => Number.isInteger(r) && r >= 0 && r <= 0xffff)) {
        expect(scan.registers).toHaveLength(req.count);
      }
      break;
    case 'exception':
      if (!(Number.isInteger(scan.code) && scan.code >= 0 && scan.code <= 255)) expect(scan.code).toBe('a byte');
      break;
    case 'crc':
    case 'malformed':
      if (typeof scan.detail !== 'string' || scan.detail === '') expect(scan.detail).toBe('a detail');
      break;
    case 'incomplete':
    case 'aborted':
      break;
    default:
      expect(scan.kind).toBe('a known verdict');
  }
}

/** What the input does with the registers (modbus/index.ts pollSensor): a reading within LIMITS, or a refusal. */
function checkReading(registers: readonly number[], scale: number, signed: boolean): void {
  const [rawT, rawH] = registers.length >= 2 ? registers : [registers[0]!, registers[0]!];
  const outcome = normalizeObservation(
    { sensor: { id: 'md02-1', location: 'cold-room-1' }, temperature: (signed ? toInt16(rawT!) : rawT!) / scale, humidity: rawH! / scale, src: 'modbus:/dev/ttyUSB0#1' },
    NOW,
  );
  if (outcome.ok) {
    const problems = readingProblems(outcome.reading, 'reading');
    if (problems.length > 0) expect(problems).toEqual([]);
  } else if (outcome.reason !== 'invalid_value') {
    expect(outcome.reason).toBe('invalid_value');
  }
}

describe('fuzz: Modbus RTU replies', () => {
  it('scanReply: a verdict for any bytes, registers of the right count; registers make a valid reading or a refusal', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(1, 10, 100), fc.boolean(), ({ req, registers, line }, scale, signed) => {
        const scan = scanReply(line, req);
        checkScan(scan, req);
        // An unchanged reply alone on the line is always found.
        if (line.equals(validReply(req, registers))) expect(scan).toEqual({ kind: 'registers', registers });
        if (scan.kind === 'registers') checkReading(scan.registers, scale, signed);
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  it('RtuMaster: the same bytes arriving in random chunks end in a verdict, never a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 12 }), async ({ req, line }, cuts) => {
        let sent!: () => void;
        const written = new Promise<void>((resolve) => (sent = resolve));
        const master = new RtuMaster({ write: async () => sent(), flushInput: async () => {} }, { timeoutMs: 60_000, interFrameDelayMs: 0 });
        const result = master.read(req);
        await written;
        let at = 0;
        for (const cut of [...cuts, line.length]) {
          if (at >= line.length) break;
          master.receive(line.subarray(at, at + cut));
          at += cut;
        }
        master.abort(); // no-op when a verdict was reached
        checkScan(await result, req);
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
