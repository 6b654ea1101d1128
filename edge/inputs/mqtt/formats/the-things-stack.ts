/**
 * The Things Stack v3 (TTN, TTI) application uplinks: topic `v3/<app>@<tenant>/devices/<device>/up`,
 * JSON with `end_device_ids`, `received_at` and `uplink_message` { `decoded_payload` (the device
 * codec's output), `rx_metadata` [{ `rssi`, `time`, … }], `settings`, `received_at` }; empty or
 * zero fields are omitted (https://www.thethingsindustries.com/docs/integrations/data-formats/).
 *
 * Dragino codecs (TheThingsNetwork/lorawan-devices vendor/dragino/lht65.js, lht52.js and their
 * -codec.yaml examples): the built-in SHT sensor as `TempC_SHT` (°C) and `Hum_SHT` (%), the
 * external DS18B20 probe as `TempC_DS` (°C); Dragino's own decoders write them with toFixed(),
 * i.e. as strings. An absent probe reads 0x7FFF / 100 = 327.67, which normalization refuses as
 * a sentinel (counted as invalid_value) without touching the SHT reading: each sensor is its own
 * observation (channels `SHT` and `DS`). `BatV` is a voltage, not the percentage a reading
 * carries, so it is not mapped. Codecs that write plain `temperature` / `humidity` are read too.
 *
 * Time: a LoRaWAN sensor sends as it measures and has no trustworthy clock of its own (LHT52's
 * `Systimestamp` is only as good as its last time sync), so the reading is stamped with the
 * network server's reception time, `uplink_message.received_at` (then the top-level
 * `received_at`): an NTP-disciplined server clock, seconds after the measurement, and correct
 * even when the broker held the message while the agent was down. Gateway `time` fields come
 * from the gateway's own clock, which is unset on gateways without GPS, and are not used.
 * Simulated uplinks (`"simulated": true`, sent from the console) are not measurements.
 *
 * Delivery: the TTS MQTT server speaks MQTT 3.1.1 "and QoS 0 only"
 * (https://www.thethingsindustries.com/docs/integrations/other-integrations/mqtt/): it grants
 * the input's QoS 1 subscription as QoS 0 and keeps nothing while the agent is away. Bridging
 * TTS into the gateway's Mosquitto (with `queue_qos0_messages true`) lets that broker hold
 * uplinks for the agent's persistent session.
 */
import { jsonObject, numberField, objectField, type JsonObject } from './fields.js';
import { isoWithOffset } from './time.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

const UPLINK_TOPIC = /^v3\/[^/]+\/devices\/([^/]+)\/up$/;

export const theThingsStack: MqttFormat = {
  name: 'the-things-stack',
  match: (topic) => UPLINK_TOPIC.test(topic),
  decode({ topic, payload }: DecodeContext): DecodeResult {
    const parsed = jsonObject(payload);
    if (!parsed.ok) return { ok: false, detail: parsed.detail };
    const message = parsed.value;
    if (message.simulated === true) return { ok: true, observations: [] };
    const uplink = objectField(message, 'uplink_message');
    if (uplink === undefined) return { ok: false, detail: 'no uplink_message object' };
    const decoded = objectField(uplink, 'decoded_payload');
    // No codec on this device (or a frame without data, e.g. a MAC-only uplink): nothing to read.
    if (decoded === undefined) return { ok: true, observations: [] };

    const ids = objectField(message, 'end_device_ids');
    const device = typeof ids?.device_id === 'string' && ids.device_id !== '' ? ids.device_id : UPLINK_TOPIC.exec(topic)![1]!;
    const common: Omit<DecodedObservation, 'device'> = {};
    const deviceTime = isoWithOffset(uplink.received_at) ?? isoWithOffset(message.received_at);
    if (deviceTime !== undefined) common.deviceTime = deviceTime;
    const link = bestRssi(uplink);
    if (link !== undefined) common.link = link;

    const observations: DecodedObservation[] = [];
    const add = (channel: string | undefined, temperature: number | null | undefined, humidity: number | null | undefined): void => {
      if (temperature === undefined && humidity === undefined) return;
      const o: DecodedObservation = { device, ...common, temperatureUnit: 'C' };
      if (channel !== undefined) o.channel = channel;
      if (temperature !== undefined) o.temperature = temperature;
      if (humidity !== undefined) o.humidity = humidity;
      observations.push(o);
    };
    add('SHT', numberField(decoded, 'TempC_SHT'), numberField(decoded, 'Hum_SHT'));
    // lht65.js marks an unplugged probe with No_connect; its TempC_DS is then not a measurement.
    add('DS', Object.hasOwn(decoded, 'No_connect') && Object.hasOwn(decoded, 'TempC_DS') ? null : numberField(decoded, 'TempC_DS'), undefined);
    if (observations.length === 0) add(undefined, numberField(decoded, 'temperature'), numberField(decoded, 'humidity'));
    return { ok: true, observations };
  },
};

/** The strongest RSSI (dBm) among the gateways that heard the uplink. */
function bestRssi(uplink: JsonObject): number | undefined {
  const rx = uplink.rx_metadata;
  if (!Array.isArray(rx)) return undefined;
  let best: number | undefined;
  for (const gw of rx) {
    if (typeof gw !== 'object' || gw === null) continue;
    const meta = gw as JsonObject;
    const rssi = numberField(meta, 'rssi') ?? numberField(meta, 'channel_rssi');
    if (typeof rssi === 'number' && Number.isFinite(rssi) && (best === undefined || rssi > best)) best = rssi;
  }
  return best;
}
