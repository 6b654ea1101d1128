/**
 * The explicit input registry (STYLE.md §2): config `type` → { schema, create }. Adding an
 * input means adding one entry here; nothing is discovered at run time.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { ConfigError } from '../../common/config.js';
import { ModbusInputSchema, type ModbusInputConfig } from './modbus/config.js';
import { MqttInputSchema, type MqttInputConfig } from './mqtt/config.js';
import { InputNameSchema } from './schema-common.js';
import { SerialLinesInputSchema, type SerialLinesInputConfig } from './serial-lines/config.js';
import type { Input, InputContext } from './types.js';

export interface InputPlugin<S extends TObject> {
  /** Validates one input's config; the schema's descriptions are its user documentation. */
  schema: S;
  /**
   * Builds the input. Its implementation is imported only here, when configured, so a gateway
   * with MQTT sensors only never loads the serial port driver (memory on a Raspberry Pi).
   */
  create(config: Static<S>, ctx: InputContext): Promise<Input>;
}

export const inputRegistry = {
  modbus: { schema: ModbusInputSchema, create: async (c, ctx) => (await import('./modbus/index.js')).createModbusInput(c, ctx) } satisfies InputPlugin<typeof ModbusInputSchema>,
  'serial-lines': {
    schema: SerialLinesInputSchema,
    create: async (c, ctx) => (await import('./serial-lines/index.js')).createSerialLinesInput(c, ctx),
  } satisfies InputPlugin<typeof SerialLinesInputSchema>,
  mqtt: { schema: MqttInputSchema, create: async (c, ctx) => (await import('./mqtt/index.js')).createMqttInput(c, ctx) } satisfies InputPlugin<typeof MqttInputSchema>,
} as const;

export type InputType = keyof typeof inputRegistry;
export const INPUT_TYPES = Object.keys(inputRegistry) as InputType[];

export type InputConfig = ModbusInputConfig | SerialLinesInputConfig | MqttInputConfig;

/** The three input schemas as a TypeBox union: the static type and the documentation source. */
export const InputConfigUnion = Type.Union([ModbusInputSchema, SerialLinesInputSchema, MqttInputSchema]);

/**
 * The schema the agent config uses for one entry of `inputs`. Its static type is the union of
 * the three input configs; as JSON Schema it selects the input's own schema by `type` (if/then)
 * instead of a plain anyOf, because ajv neither fills defaults inside anyOf nor reports which
 * branch was meant (an mqtt input missing `url` would be told that `port` is missing). Each
 * selected schema rejects unknown keys (`additionalProperties: false`).
 */
export const InputConfigSchema = Type.Unsafe<InputConfig>({
  type: 'object',
  description: `One sensor input; \`type\` selects its options: ${INPUT_TYPES.join(', ')}.`,
  required: ['type', 'name'],
  properties: {
    type: { type: 'string', enum: INPUT_TYPES, description: `Input type: ${INPUT_TYPES.join(', ')}.` },
    name: InputNameSchema,
  },
  allOf: INPUT_TYPES.map((type) => ({
    if: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
    then: inputRegistry[type].schema,
  })),
});

/**
 * Builds the input a validated config entry describes. Throws ConfigError for problems a
 * schema cannot express (duplicate Modbus addresses, a pattern that does not compile).
 */
export async function createInput(config: InputConfig, ctx: InputContext): Promise<Input> {
  switch (config.type) {
    case 'modbus':
      return inputRegistry.modbus.create(config, ctx);
    case 'serial-lines':
      return inputRegistry['serial-lines'].create(config, ctx);
    case 'mqtt':
      return inputRegistry.mqtt.create(config, ctx);
    default:
      throw new ConfigError(`inputs: unknown input type ${JSON.stringify((config as { type: unknown }).type)} (known: ${INPUT_TYPES.join(', ')})`);
  }
}
