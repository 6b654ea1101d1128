/**
 * Fuzz: serial text lines (edge/inputs/serial-lines: the DHT tester and SHT31 formats, a custom
 * pattern, and the line splitter in front of them). Random strings, token soups of each format
 * (near-valid lines), mutated real lines and long whitespace runs give a verdict, never a
 * throw, and quickly (no catastrophic backtracking within the splitter's 512-byte lines); a
 * measurement becomes a reading within the physical limits, or an invalid_value refusal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeObservation } from '../../edge/inputs/normalize.js';
import { createDhtParser } from '../../edge/inputs/serial-lines/formats/dht.js';
import { createPatternParser } from '../../edge/inputs/serial-lines/formats/pattern.js';
import { createSht31Parser } from '../../edge/inputs/serial-lines/formats/sht31.js';
import type { LineParser, LineVerdict } from '../../edge/inputs/serial-lines/formats/types.js';
import { LineSplitter } from '../../edge/inputs/serial-lines/line-splitter.js';
import { readingProblems } from '../../protocol/reading.js';
import { applyByteMutations, byteMutations } from './hostile.js';
import { expectCleanProcess, FUZZ_TIMEOUT_MS, fuzzParams } from './runs.js';

const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);
/** LineSplitter's default limit: no parser ever sees a longer line. */
const MAX_LINE_BYTES = 512;
/** A line that takes longer than this to judge is backtracking, not parsing. */
const SLOW_MS = 50;

/** Real lines of each format (formats.test.ts), to mutate. */
const REAL_LINES = [
  'Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F',
  'Humidity: 45.00 %\tTemperature: 23.00 *C 73.40 *F\tHeat index: 22.88 *C 73.18 *F',
  'Humidity: 71.30%  Temperature: -18.40°C -1.12°F  Heat index: -19.90°C -3.82°F',
  'Humidity: 52.10 %\tTemperature: 4.20 *C',
  'Failed to read from DHT sensor!',
  'DHTxx test!',
  'Temp *C = 23.45',
  'Hum. % = 45.67',
  'Temp *C = 2.10\t\tHum. % = 93.20',
  'Failed to read sensor',
  'SHT31 test',
  'T=39.20F;H=88.1',
  'T=4.00C;H=88.1',
  'temp 40.0',
  'ERR 3',
];

/** Pieces the formats are made of: concatenated at random they make near-valid lines. */
const TOKENS = [
  'Humidity:', 'Temperature:', 'Heat index:', 'Temp', 'Hum.', 'Hum', '*C', '°C', 'ºC', '\ufffdC', '°F', '*F', 'C', 'F', '%', '=', '*', '°', ';', 'T=', 'H=', 'temp ',
  ' ', '  ', '\t', '-', '+', '.', '0', '5', '23.00', '-18.40', '73.40', '999999999999999999999', '1e3', 'nan', 'inf', '100.01', '-80.01', '120.00', '-0.00',
  'Failed to read', ' from DHT sensor!', 'DHT22 test!', 'ERR',
];

const line: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((t) => t.join('')),
  fc.tuple(fc.constantFrom(...REAL_LINES), byteMutations()).map(([l, m]) => applyByteMutations(Buffer.from(l, 'utf8'), m).toString('utf8')),
  // Long runs of what the patterns repeat (\s*, \d+): the inputs that make a regex backtrack.
  fc.tuple(fc.constantFrom('Humidity: 1', 'Humidity: 1 % Temperature: 1', 'Temp *C =', 'T=', ''), fc.constantFrom(' ', '\t', '1', '1 ', ' 1', '°'), fc.integer({ min: 100, max: 480 }), fc.constantFrom('', 'x', '%', 'C', '°C 1 F x'))
    .map(([head, unit, n, tail]) => `${head}${unit.repeat(Math.floor(n / unit.length))}${tail}`),
).map((text) => (Buffer.byteLength(text, 'utf8') > MAX_LINE_BYTES ? Buffer.from(text, 'utf8').subarray(0, MAX_LINE_BYTES).toString('utf8') : text));

/** The custom patterns of the docs and tests (pattern.ts): what a user is expected to configure. */
const PATTERNS = [
  { pattern: String.raw`^T=(?<temp>[-\d.]+)(?<unit>[CF]);H=(?<rh>[\d.]+)$`, unit: 'C' as const },
  { pattern: String.raw`^T=(?<temp>[-\d.]+);H=(?<rh>[\d.]+)$`, unit: 'F' as const, failurePattern: '^ERR' },
  { pattern: String.raw`^temp (?<temp>\S+)$`, unit: 'F' as const, failurePattern: '^ERR' },
  { pattern: String.raw`(?<rh>\d+(?:\.\d+)?)\s*%`, unit: 'C' as const },
  { pattern: String.raw`^(?<temp>\S+)\s*(?<unit>°?\s*[CFcfK*])?$`, unit: 'C' as const },
];

/** Parsers as the input creates them; the SHT31 one keeps state across lines, as in a real run. */
const parsers: Array<{ name: string; parser: LineParser }> = [
  { name: 'dht', parser: createDhtParser() },
  { name: 'sht31', parser: createSht31Parser() },
  ...PATTERNS.map((p, i) => ({ name: `pattern ${i}`, parser: createPatternParser({ ...p, inputName: 'fuzz' }) })),
];

function judge(parser: LineParser, text: string): LineVerdict {
  const timed = (): { verdict: LineVerdict; took: number } => {
    const started = performance.now();
    const verdict = parser.parse(text);
    return { verdict, took: performance.now() - started };
  };
  const first = timed();
  if (first.took > SLOW_MS) {
    // A garbage collection or a busy core can stall one call: only a line slow every time is backtracking.
    const took = Math.min(first.took, timed().took, timed().took);
    if (took > SLOW_MS) expect({ line: text, took }).toEqual({ line: text, took: `< ${SLOW_MS} ms` });
  }
  return first.verdict;
}

function checkVerdict(verdict: LineVerdict): void {
  switch (verdict.kind) {
    case 'ignore':
      return;
    case 'parse':
    case 'sensor_error':
      if (typeof verdict.detail !== 'string') expect(verdict.detail).toBe('a detail');
      return;
    case 'measurement': {
      // What the input does with it (serial-lines/index.ts onLine → ReadingSink.offer).
      const outcome = normalizeObservation(
        { sensor: { id: 'dht-1', location: 'cold-room-1' }, temperature: verdict.temperature, temperatureUnit: verdict.temperatureUnit, humidity: verdict.humidity, src: 'serial:/dev/ttyACM0' },
        NOW,
      );
      if (outcome.ok) {
        const problems = readingProblems(outcome.reading, 'reading');
        if (problems.length > 0) expect({ verdict, problems }).toEqual({ verdict, problems: [] });
      } else if (outcome.reason !== 'invalid_value') {
        expect(outcome.reason).toBe('invalid_value');
      }
      return;
    }
    default:
      expect(verdict).toBe('a known verdict');
  }
}

describe('fuzz: serial text lines', () => {
  it('every format: a verdict for any line, fast; measurements become valid readings or refusals', () => {
    fc.assert(
      fc.property(line, (text) => {
        for (const { parser } of parsers) checkVerdict(judge(parser, text));
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);

  it('the line splitter: random chunks give lines of at most 512 bytes and overlong reports, never a throw', () => {
    const chunked = fc.tuple(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...REAL_LINES).map((l) => Buffer.from(`${l}\r\n`, 'utf8')), fc.constant(Buffer.alloc(600, 0x41))), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { maxLength: 8 }),
    );
    fc.assert(
      fc.property(chunked, ([pieces, cuts]) => {
        const stream = Buffer.concat(pieces.map((p) => Buffer.from(p)));
        const lines: string[] = [];
        let overlong = 0;
        const splitter = new LineSplitter({ line: (t) => lines.push(t), overlong: () => overlong++ });
        let at = 0;
        for (const cut of [...cuts, stream.length]) {
          splitter.push(stream.subarray(at, at + cut));
          at += cut;
          if (at >= stream.length) break;
        }
        for (const text of lines) {
          // At most 512 bytes, each at most one UTF-16 unit once decoded (a bad byte becomes one U+FFFD).
          if (text.length > MAX_LINE_BYTES) expect(text.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
          if (text.includes('\n')) expect(text).not.toContain('\n');
          for (const { parser } of parsers) checkVerdict(judge(parser, text));
        }
        // Every \n ends exactly one line or one overlong report.
        expect(lines.length + overlong).toBe(stream.subarray(0, at).filter((b) => b === 0x0a).length);
      }),
      fuzzParams(),
    );
  }, FUZZ_TIMEOUT_MS);
});

expectCleanProcess();
