/**
 * Configuration of an `mqtt` input: one broker connection, one payload format, and the map
 * from device names to sensor ids and locations. The schema's descriptions are the user
 * documentation; options that only apply to some formats are refused for the others.
 */
import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../../common/config.js';
import { ID_PATTERN } from '../../../protocol/reading.js';
import { InputNameSchema, LocationSchema, SensorIdSchema } from '../schema-common.js';
import type { SensorMapping } from '../sensor-map.js';
import { defaultTopics, type FormatOptions, type MqttFormatName } from './formats/index.js';
import { parsePath, type JsonFieldMapping } from './formats/json.js';
import { isKnownTimeZone } from './formats/time.js';

export const MQTT_DEFAULTS = { dedupeWindowMs: 10_000, connectTimeoutMs: 10_000, temperatureUnit: 'C', duplicateCheck: 'always' } as const;

/** When the agent compares a message's key with those it accepted recently (see `duplicateCheck`). */
export type DuplicateCheck = 'dup-flag' | 'always';

const FieldPath = (what: string): ReturnType<typeof Type.String> =>
  Type.String({ minLength: 1, description: `Where the ${what} is: a JSON Pointer (/data/temp) or a dotted path (data.temp; array items by index, readings.0.t).` });

const JsonFieldsSchema = Type.Object(
  {
    temperature: Type.Optional(FieldPath('temperature (unit: temperatureUnit)')),
    humidity: Type.Optional(FieldPath('relative humidity (%)')),
    battery: Type.Optional(FieldPath('battery level (%)')),
    timestamp: Type.Optional(FieldPath('measurement time; without it, or when it cannot be read, the gateway clock stamps the reading')),
    timestampFormat: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('epoch-s'), Type.Literal('epoch-ms'), Type.Literal('iso')], {
        default: 'auto',
        description: "How the timestamp is written: 'epoch-s' (Unix seconds), 'epoch-ms', 'iso' (ISO 8601; without an offset it needs `timezone`), or 'auto' (numbers below 1e11 are seconds, larger ones milliseconds, strings ISO). Default auto.",
      }),
    ),
    device: Type.Optional(FieldPath('device name (matched by `sensors`); without it the topic names the device')),
  },
  // `required: []` keeps the schema's shape uniform (every object lists its required keys, here none).
  { additionalProperties: false, required: [], description: 'json only: where each value is in the message. At least temperature or humidity.' },
);

export const MqttInputSchema = Type.Object(
  {
    type: Type.Literal('mqtt', { description: 'Sensor messages from an MQTT broker (Zigbee2MQTT, Tasmota, Shelly, The Things Stack, any JSON).' }),
    name: InputNameSchema,
    url: Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://', description: 'Broker URL, e.g. mqtt://127.0.0.1:1883 (the broker Zigbee2MQTT or Tasmota publish to) or mqtts://…' }),
    clientId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'MQTT client id; keep it stable so the broker holds QoS 1 messages while the agent is down (persistent session). Default freshtrail-<hostname>-<input name>.' }),
    ),
    username: Type.Optional(Type.String({ description: 'MQTT user name. Default none.' })),
    password: Type.Optional(Type.String({ description: 'MQTT password. Default none.' })),
    format: Type.Union(
      [
        Type.Literal('zigbee2mqtt'),
        Type.Literal('tasmota'),
        Type.Literal('shelly-gen1'),
        Type.Literal('shelly-gen2'),
        Type.Literal('the-things-stack'),
        Type.Literal('json'),
      ],
      {
        description:
          "Payload format: 'zigbee2mqtt' (<base>/<friendly name> JSON state); 'tasmota' (tele/<topic>/SENSOR, one reading per sensor object); " +
          "'shelly-gen1' (shellies/<id>/sensor/temperature, …/humidity: one number per topic); 'shelly-gen2' (Plus/Gen3 RPC notifications on <id>/events/rpc); " +
          "'the-things-stack' (LoRaWAN uplinks v3/<app>@<tenant>/devices/<device>/up, Dragino LHT65/LHT52 codec fields); 'json' (any JSON, read through `fields`).",
      },
    ),
    topics: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description:
          'Topic filters to subscribe to at QoS 1. Default: <baseTopic>/# (zigbee2mqtt); tele/+/SENSOR (tasmota); shellies/+/sensor/+, shellies/+/ext_temperature/+, ' +
          'shellies/+/ext_humidity/+ (shelly-gen1); +/events/rpc, +/+/events/rpc (shelly-gen2); v3/+/devices/+/up (the-things-stack). Required for json.',
      }),
    ),
    baseTopic: Type.Optional(Type.String({ minLength: 1, description: "zigbee2mqtt only: Zigbee2MQTT's base_topic. Default zigbee2mqtt." })),
    temperatureUnit: Type.Optional(
      Type.Union([Type.Literal('C'), Type.Literal('F')], {
        description: "shelly-gen1 and json only: the unit temperatures arrive in, since those payloads do not say (a Shelly H&T sends °F when its display is set to °F). Readings are always °C. Default C.",
      }),
    ),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "tasmota and json only: IANA time zone of device clocks that send local time without an offset (Tasmota's default Time), e.g. Europe/Berlin. " +
          'With it such times become the reading time (except in the repeated hour when daylight saving ends); without it the gateway clock stamps those readings. ' +
          'Better: Tasmota SetOption52 1 adds the offset. Default none.',
      }),
    ),
    fields: Type.Optional(JsonFieldsSchema),
    sensors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            match: Type.String({
              minLength: 1,
              description:
                'Device to map: a Zigbee2MQTT friendly name; a Tasmota topic or `<topic>/<sensor key>` (e.g. cold-room/SHT3X-0x45); a Shelly Gen1 id (the part after shellies/) or ' +
                'Gen2 topic prefix (by default the device id, e.g. shellyhtg3-5432045b561c), with `/ext-<i>` (Gen1) or `/<component id>` (Gen2, e.g. /100) for an add-on probe; a The Things Stack end device id, ' +
                'with `/SHT` or `/DS` for one sensor of a Dragino; a json device name; or a full MQTT topic.',
            }),
            id: SensorIdSchema,
            location: LocationSchema,
          },
          { additionalProperties: false },
        ),
        {
          default: [],
          description:
            'Device → sensor id and location. A device with several sensors in one message (Tasmota sensor keys, Dragino SHT and DS, Shelly add-on probes) matched by its device name ' +
            'gets `/<sensor key>` appended to the id per sensor. Default none.',
        },
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
    duplicateCheck: Type.Optional(
      Type.Union([Type.Literal('dup-flag'), Type.Literal('always')], {
        default: MQTT_DEFAULTS.duplicateCheck,
        description:
          "Which messages the agent checks against the device messages it accepted before a crash, so a message the broker redelivers is not stored twice: 'dup-flag' checks those " +
          "the broker marks as redelivered (MQTT DUP flag; Mosquitto sets it); 'always' checks every QoS 1 message, for brokers that redeliver without the flag (aedes 1.x does). " +
          "With 'always', a new message is wrongly taken for a repeat only if it repeats a recent message's topic, payload and packet id. Default always: whether a broker sets the flag cannot be known in advance.",
      }),
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
  /** What the format needs beyond its name (base topic, unit, zone, json fields). */
  formatOptions: FormatOptions;
  topics: string[];
  sensors: SensorMapping[];
  defaultLocation?: string;
  dedupeWindowMs: number;
  connectTimeoutMs: number;
  duplicateCheck: DuplicateCheck;
}

/** Options that only some formats read; naming one for another format is a mistake worth reporting. */
const FORMAT_ONLY: Record<'baseTopic' | 'temperatureUnit' | 'timezone' | 'fields', readonly MqttFormatName[]> = {
  baseTopic: ['zigbee2mqtt'],
  temperatureUnit: ['shelly-gen1', 'json'],
  timezone: ['tasmota', 'json'],
  fields: ['json'],
};

export function resolveMqttConfig(config: MqttInputConfig): MqttSettings {
  const at = `inputs.${config.name}`;
  for (const [option, formats] of Object.entries(FORMAT_ONLY)) {
    if (config[option as keyof typeof FORMAT_ONLY] !== undefined && !formats.includes(config.format)) {
      throw new ConfigError(`${at}.${option}: only applies to format ${formats.map((f) => `'${f}'`).join(' or ')}`);
    }
  }
  if (config.timezone !== undefined && !isKnownTimeZone(config.timezone)) {
    throw new ConfigError(`${at}.timezone: ${JSON.stringify(config.timezone)} is not an IANA time zone (e.g. Europe/Berlin, America/Chicago)`);
  }
  const fields = config.format === 'json' ? jsonFields(config, at) : undefined;
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
    formatOptions: { baseTopic: config.baseTopic, temperatureUnit: config.temperatureUnit ?? MQTT_DEFAULTS.temperatureUnit, timeZone: config.timezone, fields },
    topics: config.topics ?? defaultTopics(config.format, { baseTopic: config.baseTopic }),
    sensors: sensors.map((s) => ({ match: s.match, id: s.id, location: s.location })),
    defaultLocation: config.defaultLocation,
    dedupeWindowMs: config.dedupeWindowMs ?? MQTT_DEFAULTS.dedupeWindowMs,
    connectTimeoutMs: config.connectTimeoutMs ?? MQTT_DEFAULTS.connectTimeoutMs,
    duplicateCheck: config.duplicateCheck ?? MQTT_DEFAULTS.duplicateCheck,
  };
}

/** The json format's mapping, checked for what the schema cannot say. */
function jsonFields(config: MqttInputConfig, at: string): JsonFieldMapping {
  const fields = config.fields;
  if (fields === undefined) throw new ConfigError(`${at}.fields: required for format 'json' (where the temperature and humidity are in the message)`);
  if (config.topics === undefined) throw new ConfigError(`${at}.topics: required for format 'json' (the topics the sensors publish to)`);
  if (fields.temperature === undefined && fields.humidity === undefined) throw new ConfigError(`${at}.fields: name temperature, humidity or both`);
  for (const key of ['temperature', 'humidity', 'battery', 'timestamp', 'device'] as const) {
    const path = fields[key];
    if (path === undefined) continue;
    try {
      parsePath(path);
    } catch (err) {
      throw new ConfigError(`${at}.fields.${key}: ${(err as Error).message}`);
    }
  }
  return { ...fields };
}
