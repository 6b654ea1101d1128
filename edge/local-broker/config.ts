/**
 * Configuration of the agent's optional local MQTT broker (`localBroker:` in edge.yaml). The
 * schema descriptions are the user documentation; defaults live in LOCAL_BROKER_DEFAULTS so a
 * broker built in code behaves like one loaded from a file.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../common/config.js';

/** The key under which the agent config holds these options; error messages name it. */
export const LOCAL_BROKER_CONFIG_KEY = 'localBroker';

/** MQTT 3.1.1 §2.2.3: the Remaining Length field tops out at 268,435,455 bytes. */
export const MQTT_MAX_REMAINING_LENGTH = 268_435_455;

export const LOCAL_BROKER_DEFAULTS = {
  enabled: false,
  // Loopback only, as Mosquitto 2.0 does when no listener is configured
  // (https://mosquitto.org/documentation/migrating-to-2-0/): enabling the broker must not
  // silently open an anonymous broker to the farm network. Wi-Fi devices need 0.0.0.0 + users.
  host: '127.0.0.1',
  port: 1883, // IANA-registered MQTT port
  // Zigbee2MQTT publishes its retained device list (zigbee2mqtt/bridge/devices) as one message
  // of tens of KB on a small network (Koenkk/zigbee2mqtt#31656 reports 25 KB) and restarts in a
  // loop when a broker refuses it (Koenkk/zigbee2mqtt#13030). 1 MiB leaves room for large
  // networks; sensor messages (Tasmota, Shelly) are well under 2 KB.
  maxPayloadBytes: 1_048_576,
} as const;

export const LocalBrokerSchema = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({ default: LOCAL_BROKER_DEFAULTS.enabled, description: 'Run an MQTT broker (aedes, MQTT 3.1.1) inside the agent, for devices that publish straight to the gateway (Tasmota, Shelly, Zigbee2MQTT) and for local alarm messages. Default false.' }),
    ),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        default: LOCAL_BROKER_DEFAULTS.host,
        description: 'Address to listen on. Default 127.0.0.1: only programs on the gateway itself (Zigbee2MQTT with a USB coordinator, Node-RED) can connect. Set 0.0.0.0 (all interfaces) or the LAN address for Wi-Fi devices such as Tasmota or Shelly, and then also set `users`.',
      }),
    ),
    port: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 65_535, default: LOCAL_BROKER_DEFAULTS.port, description: 'TCP port. Default 1883 (the MQTT port). If Mosquitto already runs on the gateway, point the devices and the mqtt inputs at it and leave this broker disabled, or choose another port. 0 picks any free port.' }),
    ),
    users: Type.Optional(
      Type.Array(
        Type.Object(
          {
            username: Type.String({ minLength: 1, description: 'MQTT user name a device connects with.' }),
            password: Type.String({ minLength: 1, description: 'Its password (plain text in this file: keep the file mode 0600).' }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, description: 'Accounts allowed to connect. When set, clients without a user name or with a wrong password are refused (CONNACK 5 / 4). Default none: any client may connect, which is only safe on 127.0.0.1.' },
      ),
    ),
    maxPayloadBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MQTT_MAX_REMAINING_LENGTH,
        default: LOCAL_BROKER_DEFAULTS.maxPayloadBytes,
        description: 'Largest message payload a client may publish, in bytes. A client that sends a larger one is disconnected (MQTT 3.1.1 has no way to refuse a single message, MQTT-3.3.5-2) and a warning is logged. Default 1048576 (1 MiB), enough for Zigbee2MQTT\'s device list.',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

export type LocalBrokerConfig = Static<typeof LocalBrokerSchema>;

export interface LocalBrokerSettings {
  host: string;
  port: number;
  users: ReadonlyArray<{ username: string; password: string }>;
  maxPayloadBytes: number;
}

/**
 * Applies defaults and the checks a schema cannot express.
 * @param source prefixes error messages, e.g. the config file path
 */
export function resolveLocalBrokerConfig(config: LocalBrokerConfig, source?: string): LocalBrokerSettings {
  const users = config.users ?? [];
  const seen = new Set<string>();
  for (const user of users) {
    if (seen.has(user.username)) throw new ConfigError(`${source ? `${source}: ` : ''}${LOCAL_BROKER_CONFIG_KEY}.users: ${user.username} is listed twice`);
    seen.add(user.username);
  }
  return {
    host: config.host ?? LOCAL_BROKER_DEFAULTS.host,
    port: config.port ?? LOCAL_BROKER_DEFAULTS.port,
    users,
    maxPayloadBytes: config.maxPayloadBytes ?? LOCAL_BROKER_DEFAULTS.maxPayloadBytes,
  };
}
