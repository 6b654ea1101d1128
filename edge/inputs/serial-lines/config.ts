/**
 * Configuration of a `serial-lines` input: one sensor behind a serial port that prints text
 * lines (an Arduino sketch, a logger with a console).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../../common/config.js';
import type { SerialSettings } from '../../serial/port.js';
import type { TemperatureUnit } from '../normalize.js';
import { InputNameSchema, LocationSchema, SERIAL_DEFAULTS, SensorIdSchema, serialPortProperties } from '../schema-common.js';

export const SerialLinesInputSchema = Type.Object(
  {
    type: Type.Literal('serial-lines', { description: 'Text lines from one sensor on a serial port.' }),
    name: InputNameSchema,
    ...serialPortProperties,
    format: Type.Union([Type.Literal('dht'), Type.Literal('sht31'), Type.Literal('pattern')], {
      description:
        "Line format: 'dht' (Adafruit DHTtester output, old and new), 'sht31' (Adafruit SHT31test: a `Temp *C =` line and a `Hum. % =` line per reading), 'pattern' (your own regular expression).",
    }),
    pattern: Type.Optional(
      Type.String({
        minLength: 1,
        description: "format 'pattern' only, required there: JavaScript regular expression with named groups (?<temp>…) and/or (?<rh>…), optionally (?<unit>…) holding C or F.",
      }),
    ),
    failurePattern: Type.Optional(
      Type.String({ minLength: 1, description: "format 'pattern' only: regular expression for the line a device prints when its sensor read fails (counted as sensor_error)." }),
    ),
    unit: Type.Optional(
      Type.Union([Type.Literal('C'), Type.Literal('F')], { description: "format 'pattern' only: temperature unit when the pattern has no unit group. Default C." }),
    ),
    sensor: Type.Object(
      { id: SensorIdSchema, location: LocationSchema },
      { additionalProperties: false, description: 'The one sensor behind this port: its id and location.' },
    ),
  },
  { additionalProperties: false },
);

export type SerialLinesInputConfig = Static<typeof SerialLinesInputSchema>;

export interface SerialLinesSettings {
  name: string;
  serial: SerialSettings;
  format: SerialLinesInputConfig['format'];
  pattern?: { pattern: string; unit: TemperatureUnit; failurePattern?: string };
  sensor: { id: string; location: string };
}

/** Applies defaults and checks the options that depend on `format`. */
export function resolveSerialLinesConfig(config: SerialLinesInputConfig): SerialLinesSettings {
  const at = `inputs.${config.name}`;
  if (config.format === 'pattern' && config.pattern === undefined) throw new ConfigError(`${at}.pattern: required key is missing (format is 'pattern')`);
  if (config.format !== 'pattern') {
    for (const key of ['pattern', 'failurePattern', 'unit'] as const) {
      if (config[key] !== undefined) {
        throw new ConfigError(`${at}.${key}: only applies to format 'pattern' (this input's format is '${config.format}')`);
      }
    }
  }
  return {
    name: config.name,
    serial: {
      path: config.port,
      baudRate: config.baudRate ?? SERIAL_DEFAULTS.baudRate,
      dataBits: config.dataBits ?? SERIAL_DEFAULTS.dataBits,
      stopBits: config.stopBits ?? SERIAL_DEFAULTS.stopBits,
      parity: config.parity ?? SERIAL_DEFAULTS.parity,
      binding: config.binding ?? SERIAL_DEFAULTS.binding,
    },
    format: config.format,
    pattern: config.format === 'pattern' ? { pattern: config.pattern!, unit: config.unit ?? 'C', failurePattern: config.failurePattern } : undefined,
    sensor: { id: config.sensor.id, location: config.sensor.location },
  };
}
