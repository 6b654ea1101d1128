/**
 * Configuration of an `mqtt` input: one broker connection, one payload format, and the map
 * from device names to sensor ids and locations.
 */
import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../../common/config.js';
import { ID_PATTERN } from '../../../protocol/reading.js';
import { InputNameSchema, LocationSchema, SensorIdSchema } from '../schema-common.js';
import type { SensorMapping } from '../sensor-map.js';
import { defaultTopics, type MqttFormatName } from './formats/index.js';

export const MQTT_DEFAULTS = { dedupeWindowMs: 10_000, connectTimeoutMs: 10_000 } as const;

export const MqttInputSchema = Type.Object(
  {
    type: Type.Literal('mqtt', { description: 'Sensor messages from an MQTT broker (Zigbee2MQTT, Tasmota).' }),
    name: InputNameSchema,
    url: Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://', description: 'Broker URL, e.g. mqtt://127.0.0.1:1883 (the broker Zigbee2MQTT or Tasmota publish to) or mqtts://…' }),
    clientId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'MQTT client id; keep it stable so the broker holds QoS 1 messages while the agent is down (persistent session). Default freshtrail-<hostname>-<input name>.' }),
    ),
    username: Type.Optional(Type.String({ description: 'MQTT user name. Default none.' })),
    password: Type.Optional(Type.String({ description: 'MQTT password. Default none.' })),
    format: Type.Union([Type.Literal('zigbee2mqtt'), Type.Literal('tasmota')], {
      description: "Payload format: 'zigbee2mqtt' (<base>/<friendly name> JSON state) or 'tasmota' (tele/<topic>/SENSOR).",
    }),
    topics: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description: 'Topic filters to subscribe to at QoS 1. Default: <baseTopic>/# for zigbee2mqtt, tele/+/SENSOR for tasmota.',
      }),
    ),
    baseTopic: Type.Optional(Type.String({ minLength: 1, description: "zigbee2mqtt only: Zigbee2MQTT's base_topic. Default zigbee2mqtt." })),
    sensors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            match: Type.String({
              minLength: 1,
              description: 'Device to map: a Zigbee2MQTT friendly name, a Tasmota topic, a Tasmota `<topic>/<sensor key>` (e.g. cold-room/SHT3X-0x45), or a full MQTT topic.',
            }),
            id: SensorIdSchema,
            location: LocationSchema,
          },
          { additionalProperties: false },
        ),
        { default: [], description: 'Device → sensor id and location. A device matched by its Tasmota topic gets `/<sensor key>` appended to the id per sensor. Default none.' },
      ),
    ),
    defaultLocation: Type.Optional(
      Type.String({
        pattern: ID_PATTERN.source,
        description: 'Location for devices no mapping names (their id is derived from the device name). Without it such messages are counted as `unmapped` and ignored. Default none.',
      }),
    ),
    dedupeWindowMs: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 3_600_000, default: MQTT_DEFAULTS.dedupeWindowMs, description: 'Ignore a message identical to the previous one from the same device within this window (ms); 0 turns deduplication off. Default 10000.' }),
    ),
    connectTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, default: MQTT_DEFAULTS.connectTimeoutMs, description: 'At start, fail if the broker does not accept the connection within this time (ms); later disconnects are retried forever. Default 10000.' }),
    ),
  },
  { additionalProperties: false },
);

export type MqttInputConfig = Static<typeof MqttInputSchema>;

export interface MqttSettings {
  name: string;
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  format: MqttFormatName;
  baseTopic?: string;
  topics: string[];
  sensors: SensorMapping[];
  defaultLocation?: string;
  dedupeWindowMs: number;
  connectTimeoutMs: number;
}

export function resolveMqttConfig(config: MqttInputConfig): MqttSettings {
  if (config.baseTopic !== undefined && config.format !== 'zigbee2mqtt') {
    throw new ConfigError(`inputs.${config.name}.baseTopic: only applies to format 'zigbee2mqtt'`);
  }
  const sensors = config.sensors ?? [];
  const seen = new Set<string>();
  for (const s of sensors) {
    if (seen.has(s.match)) throw new ConfigError(`inputs.${config.name}.sensors: ${s.match} is mapped twice`);
    seen.add(s.match);
  }
  return {
    name: config.name,
    url: config.url,
    clientId: config.clientId ?? `freshtrail-${hostname()}-${config.name}`,
    username: config.username,
    password: config.password,
    format: config.format,
    baseTopic: config.baseTopic,
    topics: config.topics ?? defaultTopics(config.format, { baseTopic: config.baseTopic }),
    sensors: sensors.map((s) => ({ match: s.match, id: s.id, location: s.location })),
    defaultLocation: config.defaultLocation,
    dedupeWindowMs: config.dedupeWindowMs ?? MQTT_DEFAULTS.dedupeWindowMs,
    connectTimeoutMs: config.connectTimeoutMs ?? MQTT_DEFAULTS.connectTimeoutMs,
  };
}
