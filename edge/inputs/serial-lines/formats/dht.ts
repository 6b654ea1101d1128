/**
 * Adafruit DHTtester sketch output (github.com/adafruit/DHT-sensor-library,
 * examples/DHTtester/DHTtester.ino), both generations:
 *   new: `Humidity: 45.00%  Temperature: 23.00°C 73.40°F  Heat index: 22.88°C 73.18°F`
 *   old: `Humidity: 45.00 %\tTemperature: 23.00 *C 73.40 *F\tHeat index: 22.88 *C 73.18 *F`
 * and the failure line `Failed to read from DHT sensor!`. The sketch prints °C and °F of the
 * same read (the library caches a read for 2 s), so the two must agree: a line where they do
 * not is corrupted and is refused rather than trusted.
 */
import { DECIMAL, excerpt, type LineParser, type LineVerdict } from './types.js';

/** °, or * in the old sketch; a lone 0xB0 from a Latin-1 sketch decodes as U+FFFD. */
const DEG = String.raw`\s*(?:°|º|\*|\uFFFD)?\s*`;
const LINE = new RegExp(
  String.raw`^Humidity:\s*(?<rh>${DECIMAL})\s*%\s+Temperature:\s*(?<c>${DECIMAL})${DEG}C` +
    String.raw`(?:\s+(?<f>${DECIMAL})${DEG}F)?` +
    String.raw`(?:\s+Heat index:\s*${DECIMAL}${DEG}C\s+${DECIMAL}${DEG}F)?\s*$`,
);
const FAILURE = /^Failed to read from DHT sensor!?\s*$/;
const BANNER = /^DHT\w* test!?\s*$/;

/** Rounding each printed value to 0.01 leaves at most 0.005 × 1.8 + 0.005 between them. */
const C_F_TOLERANCE = 0.02;

export function createDhtParser(): LineParser {
  return {
    parse(line: string): LineVerdict {
      const text = line.trim();
      if (text === '' || BANNER.test(text)) return { kind: 'ignore' };
      if (FAILURE.test(text)) return { kind: 'sensor_error', detail: 'the sketch reports "Failed to read from DHT sensor!"' };
      const m = LINE.exec(text);
      if (!m?.groups) return { kind: 'parse', detail: `not a DHTtester line: ${excerpt(line)}` };
      const c = Number(m.groups.c);
      const rh = Number(m.groups.rh);
      if (m.groups.f !== undefined && Math.abs(c * 1.8 + 32 - Number(m.groups.f)) > C_F_TOLERANCE) {
        return { kind: 'parse', detail: `°C and °F disagree, the line is corrupted: ${excerpt(line)}` };
      }
      return { kind: 'measurement', temperature: c, temperatureUnit: 'C', humidity: rh };
    },
  };
}
