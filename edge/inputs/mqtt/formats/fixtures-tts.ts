/**
 * The Things Stack v3 uplinks. The envelope is the "Uplink message example" of the TTS data
 * formats docs (https://www.thethingsindustries.com/docs/integrations/data-formats/, source
 * TheThingsIndustries/lorawan-stack-docs doc/content/integrations/data-formats/_index.md); the
 * decoded payloads are the outputs of the Dragino codec examples in TheThingsNetwork/lorawan-devices
 * (vendor/dragino/lht65-codec.yaml "Temperature", lht52-codec.yaml "Temperature & Humidity"),
 * and the string-valued one is what Dragino's own LHT65 decoder (toFixed) produces.
 */
import type { Fixture } from './fixtures.js';

const DOCS_RECEIVED_AT = '2020-02-12T15:15:46.014773143Z';
const DOCS_NS_RECEIVED_AT = '2020-02-12T15:15:45.789585559Z';

function uplink(device: string, decoded: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): string {
  const message: Record<string, unknown> = {
    end_device_ids: { device_id: device, application_ids: { application_id: 'app1' }, dev_eui: '0004A30B001C0530', join_eui: '800000000000000C', dev_addr: '00BCB929' },
    correlation_ids: ['as:up:01E0WZGT6Y7657CPFPE5WEYDSQ', 'gs:conn:01E0WDEC6T5T4XXBAX7S1VMFKE'],
    received_at: DOCS_RECEIVED_AT,
    uplink_message: {
      session_key_id: 'AXA50tHUGUucuzS/bCGMNw==',
      f_port: 2,
      f_cnt: 1,
      frm_payload: 'y/YLDQN2AQrdf/8=',
      ...(decoded === undefined ? {} : { decoded_payload: decoded }),
      rx_metadata: [
        { gateway_ids: { gateway_id: 'gtw1', eui: '9C5C8E00001A05C4' }, time: '2020-02-12T15:15:45.787Z', timestamp: 2463457000, rssi: -35, channel_rssi: -35, snr: 5, channel_index: 2 },
        { gateway_ids: { gateway_id: 'gtw2' }, timestamp: 1203457000, rssi: -97, channel_rssi: -97, snr: -3.5 },
      ],
      settings: { data_rate: { lora: { bandwidth: 125000, spreading_factor: 7 } }, data_rate_index: 5, coding_rate: '4/6', frequency: '868300000', timestamp: 2463457000, time: '2020-02-12T15:15:45.787Z' },
      consumed_airtime: '0.056576s',
      received_at: DOCS_NS_RECEIVED_AT,
    },
    ...extra,
  };
  return JSON.stringify(message);
}

export const TTS_NS_RECEIVED_AT_MS = Date.UTC(2020, 1, 12, 15, 15, 45, 789);

export const TTS = {
  /** LHT65 with its DS18B20 probe (lht65-codec.yaml example "Temperature"). */
  lht65: {
    topic: 'v3/cold-chain@ttn/devices/lht65-truck-3/up',
    payload: uplink('lht65-truck-3', { BatV: 3.062, Bat_status: 3, Ext_sensor: 'Temperature Sensor', Hum_SHT: 88.6, TempC_DS: 27.81, TempC_SHT: 28.29 }),
  },
  /** LHT52 without a probe: TempC_DS is the 0x7FFF sentinel 327.67 (lht52-codec.yaml). */
  lht52: {
    topic: 'v3/cold-chain@ttn/devices/lht52-room-1/up',
    payload: uplink('lht52-room-1', { Ext: 1, Hum_SHT: 54.4, Systimestamp: 1640845021, TempC_DS: 327.67, TempC_SHT: 22.53 }),
  },
  /** Dragino's own LHT65 decoder writes values with toFixed(): strings. */
  lht65Strings: {
    topic: 'v3/cold-chain@ttn/devices/lht65-dock/up',
    payload: uplink('lht65-dock', { Ext_sensor: 'No external sensor', BatV: 3.05, TempC_SHT: '-0.57', Hum_SHT: '93.4' }),
  },
  /** lht65.js with an unplugged probe: No_connect set, TempC_DS meaningless. */
  lht65Unplugged: {
    topic: 'v3/cold-chain@ttn/devices/lht65-truck-4/up',
    payload: uplink('lht65-truck-4', { BatV: 3.01, Bat_status: 3, Ext_sensor: 'Temperature Sensor', No_connect: 'Sensor no connection', Hum_SHT: 71.2, TempC_DS: 0, TempC_SHT: 4.12 }),
  },
  /** The docs' own example codec output: plain temperature (no humidity). */
  docsExample: {
    topic: 'v3/app1@ttn/devices/dev1/up',
    payload: uplink('dev1', { temperature: 1.0, luminosity: 0.64 }),
  },
  /** A device without a payload formatter: frm_payload only. */
  noCodec: { topic: 'v3/app1@ttn/devices/dev1/up', payload: uplink('dev1', undefined) },
  /** An uplink simulated from the console. */
  simulated: { topic: 'v3/app1@ttn/devices/dev1/up', payload: uplink('dev1', { TempC_SHT: 5, Hum_SHT: 50 }, { simulated: true }) },
  joinAccept: { topic: 'v3/app1@ttn/devices/dev1/join', payload: '{"end_device_ids":{"device_id":"dev1"},"join_accept":{}}' },
  notUplink: { topic: 'v3/app1@ttn/devices/dev1/up', payload: '{"end_device_ids":{"device_id":"dev1"}}' },
} satisfies Record<string, Fixture>;
