/**
 * Device messages as real devices publish them, for decoder and input tests. Sources:
 * Zigbee2MQTT device page WSDCGQ11LM (zigbee2mqtt.io docs/devices/WSDCGQ11LM.md: exposes
 * battery, temperature, humidity, pressure, voltage, linkquality), Zigbee2MQTT bridge and
 * availability topics; Tasmota AM2301 docs (tasmota/docs docs/AM2301.md), SI7021 with
 * `TempUnit` F and Time with offset (arendst/Tasmota#4771, #4615), Mi32 BLE sensor output.
 */

export interface Fixture {
  topic: string;
  payload: string;
}

export const Z2M = {
  /** Aqara WSDCGQ11LM state as Zigbee2MQTT publishes it (no timestamp). */
  aqaraWsdcgq11lm: {
    topic: 'zigbee2mqtt/truck-front',
    payload: '{"battery":91,"humidity":88.21,"linkquality":72,"pressure":1011.9,"temperature":3.47,"voltage":2985}',
  },
  /** Same device in a freezer, friendly name with a slash (allowed by Zigbee2MQTT). */
  freezerWithSlash: {
    topic: 'zigbee2mqtt/warehouse/freezer-2',
    payload: '{"battery":100,"humidity":71.5,"linkquality":144,"pressure":1013.2,"temperature":-18.62,"voltage":3045}',
  },
  /** Some converters publish numbers as strings. */
  stringNumbers: { topic: 'zigbee2mqtt/dock-sensor', payload: '{"temperature":"12.5","humidity":"60"}' },
  /** A smart plug: state without climate values. */
  plug: { topic: 'zigbee2mqtt/compressor-plug', payload: '{"state":"ON","power":412,"linkquality":120}' },
  bridgeState: { topic: 'zigbee2mqtt/bridge/state', payload: '{"state":"online"}' },
  bridgeDevices: { topic: 'zigbee2mqtt/bridge/devices', payload: '[]' },
  availability: { topic: 'zigbee2mqtt/truck-front/availability', payload: '{"state":"online"}' },
  setCommand: { topic: 'zigbee2mqtt/truck-front/set', payload: '{"temperature_precision":2}' },
  setSubCommand: { topic: 'zigbee2mqtt/truck-front/set/state', payload: 'ON' },
  getCommand: { topic: 'zigbee2mqtt/truck-front/get', payload: '{"temperature":""}' },
  malformed: { topic: 'zigbee2mqtt/truck-front', payload: '{"temperature":3.4,"humidity":' },
  /** A sensor reporting the 0x7FFF "no value" sentinel scaled by 100. */
  sentinel: { topic: 'zigbee2mqtt/truck-rear', payload: '{"temperature":327.67,"humidity":50,"linkquality":60}' },
} satisfies Record<string, Fixture>;

export const TASMOTA = {
  /** tasmota/docs AM2301.md, verbatim values; Time is local (no offset). */
  am2301: {
    topic: 'tele/cold-room-1/SENSOR',
    payload: '{"Time":"2019-01-01T00:00:00","AM2301":{"Temperature":24.6,"Humidity":58.2},"TempUnit":"C"}',
  },
  /** SI7021 with TempUnit F (SetOption8 1). */
  si7021Fahrenheit: {
    topic: 'tele/packhouse/SENSOR',
    payload: '{"Time":"2019-01-12T12:48:17","SI7021":{"Temperature":71.6,"Humidity":42.0,"DewPoint":47.4},"TempUnit":"F"}',
  },
  /** Newer firmware: milliseconds, a UTC offset and DewPoint; an SHT3x at address 0x45. */
  sht3xWithOffset: {
    topic: 'tele/cold-room-2/SENSOR',
    payload: '{"Time":"2024-03-04T10:11:12.345+01:00","SHT3X-0x45":{"Temperature":3.8,"Humidity":91.4,"DewPoint":2.5},"TempUnit":"C"}',
  },
  /** Two DS18B20 probes and the ESP32's die temperature, which must not become a reading. */
  ds18b20Pair: {
    topic: 'tele/reefer-12/SENSOR',
    payload:
      '{"Time":"2021-05-01T12:00:00","DS18B20-1":{"Id":"01131B7E3EAA","Temperature":3.4},"DS18B20-2":{"Id":"0316A27931FF","Temperature":-17.9},"ESP32":{"Temperature":48.3},"TempUnit":"C"}',
  },
  /** Mi32 BLE sensor (ATC firmware) seen by a Tasmota ESP32: Battery and RSSI too; no TempUnit. */
  bleAtc: {
    topic: 'tele/sonoff/13DC54/SENSOR',
    payload: '{"Time":"2022-10-28T13:44:23","ATC04b555":{"mac":"a4c13804b555","Temperature":25.1,"Humidity":56.3,"DewPoint":15.8,"Btn":1,"Battery":54,"RSSI":-43}}',
  },
  /** A DHT read that failed: Tasmota reports null. */
  failedRead: { topic: 'tele/cold-room-1/SENSOR', payload: '{"Time":"2019-01-01T00:05:00","AM2301":{"Temperature":null,"Humidity":null},"TempUnit":"C"}' },
  /** An energy plug's SENSOR message: no climate sensor. */
  energyOnly: { topic: 'tele/plug-3/SENSOR', payload: '{"Time":"2021-05-01T12:00:00","ENERGY":{"Total":1.23,"Power":412,"Voltage":229}}' },
  state: { topic: 'tele/cold-room-1/STATE', payload: '{"Time":"2019-01-01T00:00:00","Uptime":"0T00:10:00","Heap":25}' },
  lwt: { topic: 'tele/cold-room-1/LWT', payload: 'Online' },
  badUnit: { topic: 'tele/cold-room-1/SENSOR', payload: '{"Time":"2019-01-01T00:00:00","AM2301":{"Temperature":24.6},"TempUnit":"K"}' },
  notJson: { topic: 'tele/cold-room-1/SENSOR', payload: 'Temperature 24.6' },
  /**
   * Mixed sensors on one device, recorded output quoted in public Tasmota consumers: a DS18B20
   * without index, an SI7021 whose read failed (null) and a BME280 with pressure.
   */
  mixed: {
    topic: 'tele/packhouse-2/SENSOR',
    payload:
      '{"Time":"2019-11-14T08:14:01","DS18B20":{"Temperature":21.5},"SI7021":{"Temperature":null,"Humidity":null},"BME280":{"Temperature":21.1,"Humidity":46.9,"Pressure":1014.4},"TempUnit":"C","PressureUnit":"hPa"}',
  },
  /** arendst/Tasmota CHANGELOG (multi-sensor DS18x20 JSON rewrite): indexed names with the probe Id. */
  ds18b20Changelog: {
    topic: 'tele/reefer-7/SENSOR',
    payload: '{"Time":"2018-10-15T10:47:38","DS18B20-1":{"Id":"00000483C23A","Temperature":19.5},"DS18B20-2":{"Id":"0000048EC44C","Temperature":19.6},"TempUnit":"C"}',
  },
  /** Time format 1 (support.ino ResponseGetTime): local Time plus "Epoch", Unix seconds UTC. */
  withEpoch: {
    topic: 'tele/cold-room-4/SENSOR',
    payload: '{"Time":"2024-03-04T10:11:12","Epoch":1709543472,"AM2301":{"Temperature":2.9,"Humidity":93.1,"DewPoint":1.9},"TempUnit":"C"}',
  },
  /** Time format 2 (support.ino ResponseGetTime): Time itself is Unix seconds UTC. */
  epochTime: {
    topic: 'tele/cold-room-4/SENSOR',
    payload: '{"Time":1709543472,"SHT3X":{"Temperature":2.9,"Humidity":93.1,"DewPoint":1.9},"TempUnit":"C"}',
  },
  /** BME280 with TempUnit F, as a Tasmota with SetOption8 1 publishes it. */
  bme280Fahrenheit: {
    topic: 'tele/dock/SENSOR',
    payload: '{"Time":"2024-02-25T11:27:00","BME280":{"Temperature":37.4,"Humidity":65.5,"Pressure":1013.2},"PressureUnit":"hPa","TempUnit":"F"}',
  },
} satisfies Record<string, Fixture>;
