/**
 * Maps what a device calls itself (a Zigbee friendly name, a Tasmota topic and sensor key) to
 * the sensor id and location that readings carry. Inputs with one fixed sensor per address or
 * port configure the identity directly; MQTT inputs see devices appear by name and use this map.
 */
import { ID_PATTERN } from '../../protocol/reading.js';

/** The identity a reading carries: the sensor's stable id and where it is. */
export interface SensorIdentity {
  id: string;
  location: string;
}

/** One configured mapping entry: `match` is a device name, a `device/channel` key or a topic. */
export interface SensorMapping {
  match: string;
  id: string;
  location: string;
}

/** How a message names its device. `channel` separates several sensors on one device. */
export interface DeviceRef {
  /** Zigbee2MQTT friendly name; Tasmota device topic. */
  device: string;
  /** Sensor key inside a multi-sensor message (Tasmota `AM2301`, `DS18B20-1`), if any. */
  channel?: string;
  /** The MQTT topic the message arrived on. */
  topic: string;
}

export class SensorMap {
  private readonly byMatch = new Map<string, SensorMapping>();

  /**
   * @param defaultLocation when set, unmapped devices are accepted at this location with an id
   *   derived from their name; when absent they are refused (counted as `unmapped`).
   */
  constructor(
    mappings: readonly SensorMapping[],
    private readonly defaultLocation?: string,
  ) {
    for (const m of mappings) if (!this.byMatch.has(m.match)) this.byMatch.set(m.match, m);
  }

  /**
   * Resolution order: the exact `device/channel` key, then the device name, then the topic.
   * A match on the device or topic of a multi-sensor message appends `/<channel>` to the id, so
   * two probes of one Tasmota never share a sensor id.
   */
  resolve(ref: DeviceRef): SensorIdentity | undefined {
    const key = ref.channel === undefined ? ref.device : `${ref.device}/${ref.channel}`;
    const exact = this.byMatch.get(key);
    if (exact) return { id: exact.id, location: exact.location };
    const suffix = ref.channel === undefined ? '' : `/${ref.channel}`;
    const broad = this.byMatch.get(ref.device) ?? this.byMatch.get(ref.topic);
    if (broad) return { id: idFrom(broad.id + suffix), location: broad.location };
    if (this.defaultLocation !== undefined) return { id: idFrom(key), location: this.defaultLocation };
    return undefined;
  }
}

/**
 * Makes a valid reading id from a device-chosen name: characters the id grammar forbids
 * (quote, backslash, non-ASCII) become `_`, and the result is cut to 128 characters.
 */
export function idFrom(name: string): string {
  const cleaned = name.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '_').slice(0, 128);
  return ID_PATTERN.test(cleaned) ? cleaned : '_';
}
