/**
 * Zigbee2MQTT device state messages: topic `<base_topic>/<friendly_name>` (base `zigbee2mqtt`
 * by default; friendly names may contain `/`), a JSON object with `temperature` (°C),
 * `humidity` (%), `battery` (%), `linkquality` (LQI 0–255) and other keys, no timestamp
 * (zigbee2mqtt.io docs/devices/WSDCGQ11LM.md). Requires Zigbee2MQTT's default `output: json`.
 * Bridge topics and the `/set`, `/get` and `/availability` topics carry no measurements.
 */
import { jsonObject, numberField } from './fields.js';
import type { DecodeContext, DecodeResult, MqttFormat } from './types.js';

export const ZIGBEE2MQTT_DEFAULT_BASE = 'zigbee2mqtt';

export function createZigbee2MqttFormat(baseTopic: string = ZIGBEE2MQTT_DEFAULT_BASE): MqttFormat {
  const prefix = `${baseTopic}/`;
  const deviceOf = (topic: string): string | undefined => {
    if (!topic.startsWith(prefix)) return undefined;
    const device = topic.slice(prefix.length);
    const segments = device.split('/');
    if (device === '' || segments[0] === 'bridge') return undefined;
    if (segments.includes('set') || segments.includes('get') || segments.at(-1) === 'availability') return undefined;
    return device;
  };
  return {
    name: 'zigbee2mqtt',
    match: (topic) => deviceOf(topic) !== undefined,
    decode({ topic, payload }: DecodeContext): DecodeResult {
      const device = deviceOf(topic)!;
      const parsed = jsonObject(payload);
      if (!parsed.ok) return { ok: false, detail: parsed.detail };
      const state = parsed.value;
      const temperature = numberField(state, 'temperature');
      const humidity = numberField(state, 'humidity');
      // A state without climate values (a plug, a button, a battery-only update) is not a reading.
      if (temperature === undefined && humidity === undefined) return { ok: true, observations: [] };
      return {
        ok: true,
        observations: [
          {
            device,
            temperature,
            temperatureUnit: 'C',
            humidity,
            battery: numberField(state, 'battery'),
            link: numberField(state, 'linkquality'),
          },
        ],
      };
    },
  };
}

export const zigbee2mqtt: MqttFormat = createZigbee2MqttFormat();
