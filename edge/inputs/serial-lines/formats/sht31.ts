/**
 * Adafruit SHT31test sketch output (github.com/adafruit/Adafruit_SHT31,
 * examples/SHT31test/SHT31test.ino): per measurement two lines, `Temp *C = 23.45` then
 * `Hum. % = 45.67`, then a blank line; `Failed to read sensor` (older sketches: `Failed to read
 * temperature` / `Failed to read humidity`) when the read fails. The two lines are paired into one
 * reading; a half whose partner was lost to noise is counted as a parse error, never guessed.
 */
import { DECIMAL, excerpt, type LineParser, type LineVerdict } from './types.js';

const TEMP = new RegExp(String.raw`^Temp\s*(?:\*|°)?\s*C\s*=\s*(?<t>${DECIMAL})$`);
const HUM = new RegExp(String.raw`^Hum\.?\s*%\s*=\s*(?<h>${DECIMAL})$`);
/** Some sketch versions print both on one line, separated by tabs. */
const BOTH = new RegExp(String.raw`^Temp\s*(?:\*|°)?\s*C\s*=\s*(?<t>${DECIMAL})\s+Hum\.?\s*%\s*=\s*(?<h>${DECIMAL})$`);
const FAILURE = /^(?:Failed to read (?:sensor|temperature|humidity)|Couldn't find SHT31)$/;
/** Blank lines, the banner and heater state reports carry no measurement. */
const IGNORED = /^(?:|SHT31 test|Heater Enabled State: \w+)$/;

export function createSht31Parser(): LineParser {
  /** A temperature line waiting for its humidity line. */
  let pendingTemp: number | undefined;
  return {
    parse(line: string): LineVerdict {
      const text = line.trim();
      let m = BOTH.exec(text);
      if (m?.groups) {
        pendingTemp = undefined;
        return { kind: 'measurement', temperature: Number(m.groups.t), temperatureUnit: 'C', humidity: Number(m.groups.h) };
      }
      m = TEMP.exec(text);
      if (m?.groups) {
        const lostPartner = pendingTemp !== undefined;
        pendingTemp = Number(m.groups.t);
        return lostPartner ? { kind: 'parse', detail: 'a temperature line came without its humidity line' } : { kind: 'ignore' };
      }
      m = HUM.exec(text);
      if (m?.groups) {
        const temperature = pendingTemp;
        pendingTemp = undefined;
        if (temperature === undefined) return { kind: 'parse', detail: 'a humidity line came without its temperature line' };
        return { kind: 'measurement', temperature, temperatureUnit: 'C', humidity: Number(m.groups.h) };
      }
      if (IGNORED.test(text)) return { kind: 'ignore' };
      pendingTemp = undefined;
      if (FAILURE.test(text)) return { kind: 'sensor_error', detail: `the sketch reports ${excerpt(text)}` };
      return { kind: 'parse', detail: `not an SHT31test line: ${excerpt(line)}` };
    },
  };
}
