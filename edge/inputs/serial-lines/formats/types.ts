/**
 * A text-line format: turns each complete line from a device into a verdict. Formats that
 * pair several lines into one measurement keep that state themselves, so each input creates
 * its own parser instance.
 */
import type { TemperatureUnit } from '../../normalize.js';

export type LineVerdict =
  /** A measurement; values are raw (normalization converts and checks them). */
  | { kind: 'measurement'; temperature?: number; temperatureUnit?: TemperatureUnit; humidity?: number }
  /** The device reported that its sensor failed (counted as `sensor_error`). */
  | { kind: 'sensor_error'; detail: string }
  /** Not understood (counted as `parse`): noise, a partial line, wrong baud garbage. */
  | { kind: 'parse'; detail: string }
  /** Nothing to count: a blank line, a banner, the first half of a pair. */
  | { kind: 'ignore' };

export interface LineParser {
  /** Judges one complete line (without its line ending). */
  parse(line: string): LineVerdict;
}

/** A decimal as Arduino's Serial.print(float) writes it (two fraction digits by default). */
export const DECIMAL = String.raw`[-+]?\d+(?:\.\d+)?`;

/** Shortens a line for log messages; device lines can be long garbage. */
export function excerpt(line: string): string {
  const printable = line.replace(/[^\x20-\x7e°]/g, '?');
  return JSON.stringify(printable.length > 60 ? `${printable.slice(0, 60)}…` : printable);
}
