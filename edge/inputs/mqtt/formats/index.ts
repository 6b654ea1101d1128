/** The payload formats an `mqtt` input can be configured with, by name. */
import { tasmota } from './tasmota.js';
import type { MqttFormat } from './types.js';
import { createZigbee2MqttFormat, ZIGBEE2MQTT_DEFAULT_BASE } from './zigbee2mqtt.js';

export type MqttFormatName = 'zigbee2mqtt' | 'tasmota';

export interface FormatOptions {
  /** Zigbee2MQTT `base_topic`. */
  baseTopic?: string;
}

export function mqttFormat(name: MqttFormatName, options: FormatOptions = {}): MqttFormat {
  switch (name) {
    case 'zigbee2mqtt':
      return createZigbee2MqttFormat(options.baseTopic ?? ZIGBEE2MQTT_DEFAULT_BASE);
    case 'tasmota':
      return tasmota;
  }
}

/** The subscription a format needs when the config names no topics. */
export function defaultTopics(name: MqttFormatName, options: FormatOptions = {}): string[] {
  switch (name) {
    case 'zigbee2mqtt':
      return [`${options.baseTopic ?? ZIGBEE2MQTT_DEFAULT_BASE}/#`];
    case 'tasmota':
      return ['tele/+/SENSOR'];
  }
}

export type { MqttFormat, DecodedObservation, DecodeResult } from './types.js';
