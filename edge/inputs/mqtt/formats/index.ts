/**
 * The payload formats an `mqtt` input can be configured with, by name. Each input builds its
 * own format instance: the Shelly formats remember device state between messages.
 */
import type { TemperatureUnit } from '../../normalize.js';
import { createJsonFormat, type JsonFieldMapping } from './json.js';
import { createShellyGen1Format } from './shelly-gen1.js';
import { createShellyGen2Format } from './shelly-gen2.js';
import { createTasmotaFormat } from './tasmota.js';
import { theThingsStack } from './the-things-stack.js';
import type { MqttFormat } from './types.js';
import { createZigbee2MqttFormat, ZIGBEE2MQTT_DEFAULT_BASE } from './zigbee2mqtt.js';

export const MQTT_FORMAT_NAMES = ['zigbee2mqtt', 'tasmota', 'shelly-gen1', 'shelly-gen2', 'the-things-stack', 'json'] as const;
export type MqttFormatName = (typeof MQTT_FORMAT_NAMES)[number];

export interface FormatOptions {
  /** Zigbee2MQTT `base_topic`. */
  baseTopic?: string;
  /** Unit of temperatures in payloads that do not say (Shelly Gen1, json). */
  temperatureUnit?: TemperatureUnit;
  /** IANA zone of device-local times without an offset (Tasmota, json). */
  timeZone?: string;
  /** Field mapping of the json format. */
  fields?: JsonFieldMapping;
}

export function mqttFormat(name: MqttFormatName, options: FormatOptions = {}): MqttFormat {
  switch (name) {
    case 'zigbee2mqtt':
      return createZigbee2MqttFormat(options.baseTopic ?? ZIGBEE2MQTT_DEFAULT_BASE);
    case 'tasmota':
      return createTasmotaFormat({ timeZone: options.timeZone });
    case 'shelly-gen1':
      return createShellyGen1Format({ temperatureUnit: options.temperatureUnit });
    case 'shelly-gen2':
      return createShellyGen2Format();
    case 'the-things-stack':
      return theThingsStack;
    case 'json':
      return createJsonFormat({ fields: options.fields ?? {}, temperatureUnit: options.temperatureUnit, timeZone: options.timeZone });
  }
}

/** The subscription a format needs when the config names no topics (json has none: its topics are required). */
export function defaultTopics(name: MqttFormatName, options: FormatOptions = {}): string[] {
  switch (name) {
    case 'zigbee2mqtt':
      return [`${options.baseTopic ?? ZIGBEE2MQTT_DEFAULT_BASE}/#`];
    case 'tasmota':
      return ['tele/+/SENSOR'];
    case 'shelly-gen1':
      // Gen1 API docs: shellies/<id>/sensor/<kind>; temperature add-on: ext_temperature/<i>, ext_humidity/<i>.
      return ['shellies/+/sensor/+', 'shellies/+/ext_temperature/+', 'shellies/+/ext_humidity/+'];
    case 'shelly-gen2':
      // The topic prefix is the device id by default (one level); allow one extra level such as shellies/<id>.
      return ['+/events/rpc', '+/+/events/rpc'];
    case 'the-things-stack':
      // TTS MQTT server: v3/<application id>@<tenant id>/devices/<device id>/up.
      return ['v3/+/devices/+/up'];
    case 'json':
      return [];
  }
}

export type { MqttFormat, DecodedObservation, DecodeResult } from './types.js';
