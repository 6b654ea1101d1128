/**
 * Configuration of a Modbus RTU input: one RS-485 bus, several XY-MD02-compatible sensors.
 * Defaults follow the XY-MD02 datasheet (address 1, 9600 8N1, input registers 1 and 2 holding
 * temperature and humidity ×10); clones differ, so parity, registers and scale are options.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../../common/config.js';
import { InputNameSchema, LocationSchema, SERIAL_DEFAULTS, SensorIdSchema, serialPortProperties } from '../schema-common.js';
import type { RegisterFunction } from './frame.js';
import { minInterFrameDelayMs } from './rtu.js';

export const MODBUS_DEFAULTS = {
  pollIntervalMs: 10_000,
  timeoutMs: 1000,
  retries: 1,
  interFrameDelayMs: 20,
  function: 4,
  temperatureRegister: 1,
  humidityRegister: 2,
  scale: 10,
  signedTemperature: true,
} as const;

export const ModbusSensorSchema = Type.Object(
  {
    id: SensorIdSchema,
    address: Type.Integer({ minimum: 1, maximum: 247, description: 'Modbus slave address of the sensor, 1–247 (XY-MD02 factory default 1).' }),
    location: LocationSchema,
    function: Type.Optional(
      Type.Union([Type.Literal(4), Type.Literal(3)], {
        default: MODBUS_DEFAULTS.function,
        description: 'Register read function: 4 = Read Input Registers (XY-MD02), 3 = Read Holding Registers (some clones). Default 4.',
      }),
    ),
    temperatureRegister: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 65535, default: MODBUS_DEFAULTS.temperatureRegister, description: 'Register holding the temperature, as addressed on the wire (not 3xxxx notation). Default 1.' }),
    ),
    humidityRegister: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 65535, default: MODBUS_DEFAULTS.humidityRegister, description: 'Register holding the relative humidity. Default 2.' }),
    ),
    scale: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, default: MODBUS_DEFAULTS.scale, description: 'Divisor from register value to °C and % RH: 10 for XY-MD02 (0.1 resolution), 100 for clones reporting ×100. Default 10.' }),
    ),
    signedTemperature: Type.Optional(
      Type.Boolean({ default: MODBUS_DEFAULTS.signedTemperature, description: 'Read the temperature register as two\'s complement (0xFF33 = −20.5 °C). Default true.' }),
    ),
  },
  { additionalProperties: false },
);

export const ModbusInputSchema = Type.Object(
  {
    type: Type.Literal('modbus', { description: 'Modbus RTU master polling temperature/humidity sensors on one RS-485 bus.' }),
    name: InputNameSchema,
    ...serialPortProperties,
    pollIntervalMs: Type.Optional(
      Type.Integer({ minimum: 100, default: MODBUS_DEFAULTS.pollIntervalMs, description: 'Start a round over all sensors this often (ms). A round that takes longer starts the next at once. Default 10000.' }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 20, maximum: 60_000, default: MODBUS_DEFAULTS.timeoutMs, description: 'Wait this long for one reply (ms); a dead sensor delays the others by at most timeoutMs × (retries + 1). Default 1000.' }),
    ),
    retries: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 5, default: MODBUS_DEFAULTS.retries, description: 'Repeat a request that timed out or was corrupted this many times (exceptions are not retried). Default 1.' }),
    ),
    interFrameDelayMs: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1000, default: MODBUS_DEFAULTS.interFrameDelayMs, description: 'Silence between transactions (ms); never less than 3.5 character times (4 ms at 9600 baud, Modbus over Serial Line §2.5.1.1). Cheap sensors and USB adapters need more turnaround. Default 20.' }),
    ),
    sensors: Type.Array(ModbusSensorSchema, { minItems: 1, description: 'Sensors on this bus, polled in this order.' }),
  },
  { additionalProperties: false },
);

export type ModbusInputConfig = Static<typeof ModbusInputSchema>;

/** A sensor with every default applied. */
export interface ModbusSensor {
  id: string;
  address: number;
  location: string;
  fn: RegisterFunction;
  temperatureRegister: number;
  humidityRegister: number;
  scale: number;
  signedTemperature: boolean;
}

export interface ModbusSettings {
  name: string;
  serial: { path: string; baudRate: number; dataBits: 7 | 8; stopBits: 1 | 2; parity: 'none' | 'even' | 'odd'; binding: 'native' | 'mock' };
  pollIntervalMs: number;
  timeoutMs: number;
  retries: number;
  interFrameDelayMs: number;
  sensors: ModbusSensor[];
}

/** Applies defaults and checks what a schema cannot: unique addresses and ids on the bus. */
export function resolveModbusConfig(config: ModbusInputConfig): ModbusSettings {
  const seenAddress = new Set<number>();
  const seenId = new Set<string>();
  for (const s of config.sensors) {
    if (seenAddress.has(s.address)) throw new ConfigError(`inputs.${config.name}: two sensors use Modbus address ${s.address} on ${config.port}`);
    if (seenId.has(s.id)) throw new ConfigError(`inputs.${config.name}: sensor id ${s.id} is used twice`);
    seenAddress.add(s.address);
    seenId.add(s.id);
  }
  const baudRate = config.baudRate ?? SERIAL_DEFAULTS.baudRate;
  return {
    name: config.name,
    serial: {
      path: config.port,
      baudRate,
      dataBits: config.dataBits ?? SERIAL_DEFAULTS.dataBits,
      stopBits: config.stopBits ?? SERIAL_DEFAULTS.stopBits,
      parity: config.parity ?? SERIAL_DEFAULTS.parity,
      binding: config.binding ?? SERIAL_DEFAULTS.binding,
    },
    pollIntervalMs: config.pollIntervalMs ?? MODBUS_DEFAULTS.pollIntervalMs,
    timeoutMs: config.timeoutMs ?? MODBUS_DEFAULTS.timeoutMs,
    retries: config.retries ?? MODBUS_DEFAULTS.retries,
    interFrameDelayMs: Math.max(config.interFrameDelayMs ?? MODBUS_DEFAULTS.interFrameDelayMs, minInterFrameDelayMs(baudRate)),
    sensors: config.sensors.map((s) => ({
      id: s.id,
      address: s.address,
      location: s.location,
      fn: s.function ?? MODBUS_DEFAULTS.function,
      temperatureRegister: s.temperatureRegister ?? MODBUS_DEFAULTS.temperatureRegister,
      humidityRegister: s.humidityRegister ?? MODBUS_DEFAULTS.humidityRegister,
      scale: s.scale ?? MODBUS_DEFAULTS.scale,
      signedTemperature: s.signedTemperature ?? MODBUS_DEFAULTS.signedTemperature,
    })),
  };
}
