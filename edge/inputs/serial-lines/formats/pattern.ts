/**
 * User-defined line format: a regular expression with named groups `temp` and/or `rh`, and an
 * optional `unit` group (C or F, also °C/°F); without it the configured unit applies. For
 * sketches that print their own format, e.g. `T=4.20;H=88.1` with `^T=(?<temp>[-\d.]+);H=(?<rh>[\d.]+)$`.
 */
import { ConfigError } from '../../../../common/config.js';
import type { TemperatureUnit } from '../../normalize.js';
import { excerpt, type LineParser, type LineVerdict } from './types.js';

export interface PatternOptions {
  pattern: string;
  unit: TemperatureUnit;
  /** Lines matching this are the device reporting a failed read (counted as `sensor_error`). */
  failurePattern?: string;
  /** Names the input in configuration errors. */
  inputName: string;
}

export function createPatternParser(options: PatternOptions): LineParser {
  const regex = compile(options.pattern, options.inputName, 'pattern');
  const failure = options.failurePattern === undefined ? undefined : compile(options.failurePattern, options.inputName, 'failurePattern');
  const groups = new Set([...options.pattern.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((g) => g[1]));
  if (!groups.has('temp') && !groups.has('rh')) {
    throw new ConfigError(`inputs.${options.inputName}.pattern: needs a named group (?<temp>…) or (?<rh>…)`);
  }
  return {
    parse(line: string): LineVerdict {
      const text = line.trim();
      if (text === '') return { kind: 'ignore' };
      if (failure?.test(text)) return { kind: 'sensor_error', detail: `the device reports ${excerpt(text)}` };
      const m = regex.exec(text);
      if (!m?.groups) return { kind: 'parse', detail: `line does not match the pattern: ${excerpt(line)}` };
      const { temp, rh, unit } = m.groups;
      let temperatureUnit = options.unit;
      if (unit !== undefined) {
        const u = unit.replace(/[°º*\s]/g, '').toUpperCase();
        if (u !== 'C' && u !== 'F') return { kind: 'parse', detail: `unknown unit ${excerpt(unit)}` };
        temperatureUnit = u;
      }
      const verdict: LineVerdict = { kind: 'measurement', temperatureUnit };
      if (temp !== undefined) verdict.temperature = strictNumber(temp);
      if (rh !== undefined) verdict.humidity = strictNumber(rh);
      return verdict;
    },
  };
}

function compile(source: string, inputName: string, key: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new ConfigError(`inputs.${inputName}.${key}: not a valid regular expression (${(err as Error).message})`);
  }
}

/** `Number('')` is 0 and `Number('1e3')` is 1000; a device line means neither. */
function strictNumber(text: string): number {
  return /^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
}
