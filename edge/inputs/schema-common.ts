/**
 * Config schema pieces shared by several inputs. Options with a default are `Optional` in the
 * static type and carry `default` in the schema: the config loader fills them in, and each
 * input also applies the same constant itself, so an input built in code behaves identically.
 */
import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '../../protocol/reading.js';

/** Input names label metrics and log lines: short, no spaces. */
export const InputNameSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'Name of this input, unique in the agent; used in logs and the `input` metric label (letters, digits, _ . -; at most 64).',
});

export const SensorIdSchema = Type.String({
  pattern: ID_PATTERN.source,
  description: 'Sensor id carried by every reading, unique within the gateway (printable ASCII without quotes or backslash).',
});

export const LocationSchema = Type.String({
  pattern: ID_PATTERN.source,
  description: 'Location id: where the sensor is (a cold room, a truck compartment). Lots in custody at this location get its readings.',
});

export const SERIAL_DEFAULTS = { baudRate: 9600, dataBits: 8, stopBits: 1, parity: 'none', binding: 'native' } as const;

/** Line settings of a serial port; spread into an input's properties. */
export const serialPortProperties = {
  port: Type.String({ minLength: 1, description: 'Serial device path, e.g. /dev/ttyUSB0 or /dev/serial/by-id/… (stable across reboots).' }),
  baudRate: Type.Optional(
    Type.Integer({ minimum: 300, maximum: 921_600, default: SERIAL_DEFAULTS.baudRate, description: 'Baud rate. Default 9600.' }),
  ),
  dataBits: Type.Optional(
    Type.Union([Type.Literal(7), Type.Literal(8)], { default: SERIAL_DEFAULTS.dataBits, description: 'Data bits, 7 or 8. Default 8.' }),
  ),
  stopBits: Type.Optional(
    Type.Union([Type.Literal(1), Type.Literal(2)], { default: SERIAL_DEFAULTS.stopBits, description: 'Stop bits, 1 or 2. Default 1.' }),
  ),
  parity: Type.Optional(
    Type.Union([Type.Literal('none'), Type.Literal('even'), Type.Literal('odd')], {
      default: SERIAL_DEFAULTS.parity,
      description: 'Parity: none, even or odd. Default none.',
    }),
  ),
  binding: Type.Optional(
    Type.Union([Type.Literal('native'), Type.Literal('mock')], {
      default: SERIAL_DEFAULTS.binding,
      description: "'native' opens the OS serial driver (real ports and socat ptys); 'mock' uses @serialport/binding-mock (demos without socat). Default native.",
    }),
  ),
};
