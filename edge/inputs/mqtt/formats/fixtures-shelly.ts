/**
 * Shelly messages as devices publish them. Gen1: topics and payload shape from the Gen1 API
 * docs (https://shelly-api-docs.shelly.cloud/gen1/ "Shelly H&T: MQTT": one plain number per
 * topic; Shelly 1 add-on: ext_temperature/<i>, as in a recorded Shelly 1 capture on pastebin
 * vjJubCm9). Gen2/Gen3: frames per the Notifications page
 * (https://shelly-api-docs.shelly.cloud/gen2/General/Notifications); the Plus H&T
 * NotifyFullStatus is a recorded MQTT message (gist NelsonMinar/494a0f53785c20290b395639548349fa,
 * wifi block trimmed), the H&T Gen3 status was recorded through Shelly Cloud (device
 * 5432045b561c) and is wrapped here in the NotifyFullStatus frame MQTT carries it in.
 */
import type { Fixture } from './fixtures.js';

const HT1 = 'shellies/shellyht-6FE1E2';

export const SHELLY_GEN1 = {
  temperature: { topic: `${HT1}/sensor/temperature`, payload: '4.25' },
  humidity: { topic: `${HT1}/sensor/humidity`, payload: '91.5' },
  battery: { topic: `${HT1}/sensor/battery`, payload: '87' },
  errorNone: { topic: `${HT1}/sensor/error`, payload: '0' },
  errorSet: { topic: `${HT1}/sensor/error`, payload: '1' },
  actReasons: { topic: `${HT1}/sensor/act_reasons`, payload: '["sensor"]' },
  extPower: { topic: `${HT1}/sensor/ext_power`, payload: 'false' },
  online: { topic: `${HT1}/online`, payload: 'true' },
  /** An H&T set to °F (its temperature topic then carries °F). */
  temperatureF: { topic: 'shellies/shellyht-A1B2C3/sensor/temperature', payload: '39.65' },
  /** Shelly 1 with the temperature add-on: probe 0 in °C, and the same value in °F on ext_temperature_f. */
  addonProbe: { topic: 'shellies/shelly1-XXXXXX/ext_temperature/0', payload: '3.69' },
  addonProbeF: { topic: 'shellies/shelly1-XXXXXX/ext_temperature_f/0', payload: '38.64' },
  /** The relay's own chip temperature: not a room reading. */
  relayChip: { topic: 'shellies/shelly1pm-XXXXXX/temperature', payload: '41.2' },
  garbled: { topic: `${HT1}/sensor/temperature`, payload: 'nan' },
} satisfies Record<string, Fixture>;

export const SHELLY_GEN2 = {
  /** Recorded Plus H&T NotifyFullStatus right after a deep-sleep wake: sys.unixtime is null. */
  plusHtFull: {
    topic: 'shellyplusht-b8d61a8b17cc/events/rpc',
    payload:
      '{"src":"shellyplusht-b8d61a8b17cc","dst":"shellyplusht-b8d61a8b17cc/events","method":"NotifyFullStatus","params":{"ts":1680962879.62,"ble":{},"cloud":{"connected":false},' +
      '"devicepower:0":{"id":0,"battery":{"V":0.43,"percent":0},"external":{"present":true}},"ht_ui":{},"humidity:0":{"id":0,"rh":42.2},"mqtt":{"connected":true},' +
      '"sys":{"mac":"B8D61A8B17CC","restart_required":false,"time":null,"unixtime":null,"uptime":3,"ram_size":235300,"ram_free":164244,"fs_size":458752,"fs_free":118784,' +
      '"cfg_rev":10,"kvs_rev":0,"webhook_rev":0,"available_updates":{},"wakeup_reason":{"boot":"deepsleep_wake","cause":"status_update"},"wakeup_period":600},' +
      '"temperature:0":{"id":0,"tC":19.8,"tF":67.6},"wifi":{"sta_ip":"192.168.3.183","status":"got ip","ssid":"winos"},"ws":{"connected":false}}}',
  },
  /** H&T Gen3 status (recorded via Shelly Cloud, trimmed; it carries no humidity:0) with its clock set: unixtime 1753733762. */
  htG3Full: {
    topic: 'shellyhtg3-5432045b561c/events/rpc',
    payload:
      '{"src":"shellyhtg3-5432045b561c","dst":"shellyhtg3-5432045b561c/events","method":"NotifyFullStatus","params":{"ts":1753733762.31,"ws":{"connected":false},"mqtt":{"connected":true},' +
      '"ht_ui":[],"temperature:0":{"id":0,"tC":17.6,"tF":63.7},"ble":[],' +
      '"devicepower:0":{"id":0,"battery":{"V":5.35,"percent":67},"external":{"present":false}},' +
      '"sys":{"mac":"5432045B561C","restart_required":false,"time":"22:16","unixtime":1753733762,"uptime":2,"wakeup_reason":{"boot":"deepsleep_wake","cause":"status_update"}}}}',
  },
  /** NotifyStatus carrying only the changed humidity (Notifications page: overlay on the known status). */
  htG3HumidityChange: {
    topic: 'shellyhtg3-5432045b561c/events/rpc',
    payload: '{"src":"shellyhtg3-5432045b561c","dst":"shellyhtg3-5432045b561c/events","method":"NotifyStatus","params":{"ts":1753734362.05,"humidity:0":{"id":0,"rh":64.9}}}',
  },
  /** NotifyStatus with both components changed and no clock yet (ts null). */
  htG3NoClock: {
    topic: 'shellyhtg3-aabbccddeeff/events/rpc',
    payload: '{"src":"shellyhtg3-aabbccddeeff","dst":"shellyhtg3-aabbccddeeff/events","method":"NotifyStatus","params":{"ts":null,"temperature:0":{"id":0,"tC":3.1,"tF":37.6},"humidity:0":{"id":0,"rh":88}}}',
  },
  /** Plus add-on with two DS18B20 probes (components temperature:100 and :101); probe 101 read failed (tC null). */
  addonProbes: {
    topic: 'shellyplus1-a8032abc7158/events/rpc',
    payload:
      '{"src":"shellyplus1-a8032abc7158","dst":"shellyplus1-a8032abc7158/events","method":"NotifyStatus","params":{"ts":1753734400.5,"temperature:100":{"id":100,"tC":2.4,"tF":36.3},"temperature:101":{"id":101,"tC":null,"tF":null}}}',
  },
  /** Recorded switch change (shellyplus1): no climate component, no reading. */
  switchChange: {
    topic: 'shellyplus1-a8032abc7158/events/rpc',
    payload: '{"src":"shellyplus1-a8032abc7158","dst":"shellyplus1-a8032abc7158/events","method":"NotifyStatus","params":{"ts":1646738883.91,"switch:0":{"id":0,"output":true,"source":"MQTT"}}}',
  },
  /** Recorded NotifyEvent (shellyi4g3): an event, not a status. */
  event: {
    topic: 'shellyi4g3-54320455c858/events/rpc',
    payload:
      '{"src":"shellyi4g3-54320455c858","dst":"shellyi4g3-54320455c858/events","method":"NotifyEvent","params":{"ts":1735821119.25,"events":[{"component":"sys","event":"config_changed","restart_required":false,"ts":1735821119.25,"cfg_rev":20}]}}',
  },
  online: { topic: 'shellyhtg3-5432045b561c/online', payload: 'true' },
  malformed: { topic: 'shellyhtg3-5432045b561c/events/rpc', payload: '{"method":"NotifyStatus","params":' },
} satisfies Record<string, Fixture>;
