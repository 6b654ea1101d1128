/**
 * Shelly Gen2/Gen3 (Plus H&T, H&T Gen3, Plus add-on probes): JSON-RPC notification frames on
 * `<topic prefix>/events/rpc` (prefix = the device id unless changed in Mqtt.SetConfig), e.g.
 * `{"src":…,"method":"NotifyStatus","params":{"ts":1680962879.62,"temperature:0":{"id":0,"tC":19.8,"tF":67.6}}}`
 * (https://shelly-api-docs.shelly.cloud/gen2/General/Notifications, …/General/RPCProtocol).
 *
 * NotifyFullStatus carries every component; NotifyStatus only the changed ones, and "the
 * intended use of these notifications is to overlay the changes from NotifyStatus over a known
 * status" (Notifications page). So the format keeps the last known status per device and
 * overlays each frame. A frame that carries a `temperature:<id>` or `humidity:<id>` component
 * yields one reading per such id, with `tC` (°C; `tF` only if `tC` is absent) and `rh` (%)
 * read from the overlaid status (ComponentsAndServices/Temperature and /Humidity: null when no
 * valid value could be read), and the battery from `devicepower:0` `battery.percent`.
 *
 * Time: `params.ts` is Unix time in seconds (UTC). Right after a deep-sleep wake the clock may
 * not be set yet: `sys.unixtime` is null then (a recorded Plus H&T NotifyFullStatus shows it),
 * and `ts` may be null too; either way the gateway clock stamps the reading.
 */
import { isPlainObject } from '../../../../protocol/reading.js';
import { jsonObject, numberField, objectField, type JsonObject } from './fields.js';
import type { DecodeContext, DecodedObservation, DecodeResult, MqttFormat } from './types.js';

const SUFFIX = '/events/rpc';
const CLIMATE_COMPONENT = /^(temperature|humidity):(\d+)$/;

export function createShellyGen2Format(): MqttFormat {
  /** Overlaid component status per device (topic prefix). */
  const state = new Map<string, JsonObject>();

  return {
    name: 'shelly-gen2',
    match: (topic) => topic.endsWith(SUFFIX) && topic.length > SUFFIX.length,
    decode({ topic, payload, retained }: DecodeContext): DecodeResult {
      const device = topic.slice(0, -SUFFIX.length);
      const parsed = jsonObject(payload);
      if (!parsed.ok) return { ok: false, detail: parsed.detail };
      const { method, params } = parsed.value;
      if (method !== 'NotifyStatus' && method !== 'NotifyFullStatus') return { ok: true, observations: [] };
      if (!isPlainObject(params)) return { ok: false, detail: `${method} without a params object` };

      const known = state.get(device) ?? {};
      // A retained frame is of unknown age: read it against the known status, but do not keep it.
      const status = method === 'NotifyFullStatus' ? {} : retained ? structuredClone(known) : known;
      overlay(status, params);
      delete status.ts;
      if (!retained) state.set(device, status);

      const ids = new Set<string>();
      for (const key of Object.keys(params)) {
        const m = CLIMATE_COMPONENT.exec(key);
        if (m) ids.add(m[2]!);
      }
      const deviceTime = notificationTime(params);
      const battery = numberField(objectField(objectField(status, 'devicepower:0') ?? {}, 'battery') ?? {}, 'percent');
      const observations: DecodedObservation[] = [];
      for (const id of [...ids].sort((a, b) => Number(a) - Number(b))) {
        const observation: DecodedObservation = { device, ...temperatureOf(objectField(status, `temperature:${id}`)) };
        const humidity = objectField(status, `humidity:${id}`);
        if (humidity !== undefined) observation.humidity = numberField(humidity, 'rh');
        // The H&T's own sensor is id 0; add-on probes are 100, 101, … and become channels.
        if (id !== '0') observation.channel = id;
        if (battery !== undefined) observation.battery = battery;
        if (deviceTime !== undefined) observation.deviceTime = deviceTime;
        observations.push(observation);
      }
      return { ok: true, observations };
    },
  };
}

function temperatureOf(component: JsonObject | undefined): Pick<DecodedObservation, 'temperature' | 'temperatureUnit'> {
  if (component === undefined) return {};
  if (Object.hasOwn(component, 'tC')) return { temperature: numberField(component, 'tC'), temperatureUnit: 'C' };
  if (Object.hasOwn(component, 'tF')) return { temperature: numberField(component, 'tF'), temperatureUnit: 'F' };
  return { temperature: null, temperatureUnit: 'C' };
}

/** UTC ms from `params.ts`, unless the frame itself says the clock is not set (`sys.unixtime: null`). */
function notificationTime(params: JsonObject): number | undefined {
  const sys = objectField(params, 'sys');
  if (sys !== undefined && Object.hasOwn(sys, 'unixtime') && sys.unixtime === null) return undefined;
  const ts = params.ts;
  return typeof ts === 'number' && Number.isFinite(ts) ? Math.round(ts * 1000) : undefined;
}

/** Deep-merges `changes` into `target`: objects merge key by key, anything else replaces. */
function overlay(target: JsonObject, changes: JsonObject): void {
  for (const [key, value] of Object.entries(changes)) {
    // JSON.parse makes a "__proto__" member an own property; here `target.__proto__` would be
    // Object.prototype, and merging into it would pollute every object of the agent. No Shelly
    // component has that name.
    if (key === '__proto__') continue;
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) overlay(current, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}
