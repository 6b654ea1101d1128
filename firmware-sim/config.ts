/**
 * Simulator configuration (YAML or JSON; see firmware-sim/sim.sample.yaml). The schema is the
 * user documentation: every option says its default. Options with a default are `Optional` in
 * the static type and carry `default` in the schema; the code applies the same constants, so a
 * config built in a test behaves like the same file.
 *
 * Devices and scenarios are unions tagged by `type` and `kind`. ajv does not fill defaults
 * inside `anyOf` and reports union mismatches poorly, so `parseSimulatorConfig` validates each
 * device and scenario against the schema its tag selects, then checks what a schema cannot.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ConfigError, loadConfigFile, validateConfig } from '../common/config.js';
import { SCENARIO_DEFAULTS } from './scenarios.js';

export const SIM_DEFAULTS = {
  seed: 1,
  timeScale: 1 / 60,
  transport: 'auto',
  baudRate: 9600,
  parity: 'none',
  dhtIntervalMs: 2000,
  mqttIntervalMs: 10_000,
  z2mPrecision: 2,
  z2mRepeatGapMs: 30,
  tasmotaSensorKey: 'AM2301',
} as const;

/**
 * A choice among literals as a JSON-schema `enum`: ajv then says "must be one of …", where a
 * union of literals would say "must be equal to constant".
 */
function oneOf<const T extends string | number>(values: readonly T[], options: { default?: T; description?: string } = {}) {
  return Type.Unsafe<T>({ enum: [...values], ...options });
}

const num = (description: string, def: number, extra: object = {}) => Type.Optional(Type.Number({ default: def, description, ...extra }));
const int = (description: string, def: number, extra: object = {}) => Type.Optional(Type.Integer({ default: def, description, ...extra }));
const bool = (description: string, def: boolean) => Type.Optional(Type.Boolean({ default: def, description }));

const common = {
  seed: Type.Optional(Type.Integer({ description: 'Seed of this scenario. Default: derived from the simulator seed and the device id (and Modbus address), so adding a device does not change the others.' })),
  offsetMinutes: num('Start the scenario this many scenario minutes in (e.g. just before a defrost). Default 0.', 0),
  tempNoiseC: num('Sensor noise, standard deviation in °C. Default 0.05.', SCENARIO_DEFAULTS.noise.tempNoiseC, { minimum: 0 }),
  rhNoise: num('Sensor noise, standard deviation in % RH. Default 0.3.', SCENARIO_DEFAULTS.noise.rhNoise, { minimum: 0 }),
};
const cr = SCENARIO_DEFAULTS.coldRoom;
const coldRoomParams = {
  setPointC: num('Room set point, °C. Default 1 (USDA HB66: leafy greens and berries at 0 °C).', cr.setPointC),
  hysteresisC: num('Compressor on/off band around the set point, °C. Default 2 (cycles between 0 and 2 °C).', cr.hysteresisC, { exclusiveMinimum: 0 }),
  rhPercent: num('Mean relative humidity, %. Default 92.5 (HB66: 90–95 %).', cr.rhPercent, { minimum: 0, maximum: 100 }),
  defrostEveryMin: num('Minutes between defrost starts; 0 disables defrost. Default 360 (four a day).', cr.defrostEveryMin, { minimum: 0 }),
  defrostMin: num('Defrost duration, minutes. Default 25.', cr.defrostMin, { exclusiveMinimum: 0 }),
  firstDefrostMin: Type.Optional(Type.Number({ description: 'Scenario minute of the first defrost. Default: seeded within the first period.' })),
  defrostTargetC: num('What the air approaches while the heaters run (reached ~80 % after 25 min), °C. Default 7.', cr.defrostTargetC),
};
const rt = SCENARIO_DEFAULTS.reeferTruck;

export const ColdRoomScenario = Type.Object({ kind: Type.Literal('cold-room'), ...common, ...coldRoomParams }, { additionalProperties: false, description: 'Cold room with compressor cycling and periodic defrost.' });
export const ReeferTruckScenario = Type.Object(
  {
    kind: Type.Literal('reefer-truck'),
    ...common,
    setPointC: num('Reefer set point, °C. Default 2.', rt.setPointC),
    rhPercent: num('Relative humidity with the doors closed, %. Default 88.', rt.rhPercent, { minimum: 0, maximum: 100 }),
    stopEveryMin: num('One delivery stop per this many minutes (none in the first). Default 60.', rt.stopEveryMin, { exclusiveMinimum: 0 }),
    doorOpenMinMin: num('Shortest door opening, minutes. Default 3.', rt.doorOpenMinMin, { minimum: 0 }),
    doorOpenMaxMin: num('Longest door opening, minutes. Default 10.', rt.doorOpenMaxMin, { minimum: 0 }),
    ambientC: num('Outside air temperature, °C. Default 18.', rt.ambientC),
    ambientRh: num('Outside relative humidity, %. Default 65.', rt.ambientRh, { minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false, description: 'Refrigerated truck with door openings at delivery stops.' },
);
export const CompressorFailureScenario = Type.Object(
  {
    kind: Type.Literal('compressor-failure'),
    ...common,
    ...coldRoomParams,
    failAtMin: num('Scenario minute the compressor stops for good. Default 60.', SCENARIO_DEFAULTS.compressorFailure.failAtMin, { minimum: 0 }),
    ambientC: num('What the room warms toward, °C. Default 20.', SCENARIO_DEFAULTS.compressorFailure.ambientC),
  },
  { additionalProperties: false, description: 'A cold room whose compressor fails: slow rise toward ambient.' },
);
export const ConstantScenario = Type.Object(
  {
    kind: Type.Literal('constant'),
    tempC: Type.Number({ description: 'Temperature, °C (no noise).' }),
    rh: Type.Number({ minimum: 0, maximum: 100, description: 'Relative humidity, % (no noise).' }),
  },
  { additionalProperties: false, description: 'Fixed values, for tests.' },
);
const SCENARIOS = { 'cold-room': ColdRoomScenario, 'reefer-truck': ReeferTruckScenario, 'compressor-failure': CompressorFailureScenario, constant: ConstantScenario } as const;
export const ScenarioConfig = Type.Union([ColdRoomScenario, ReeferTruckScenario, CompressorFailureScenario, ConstantScenario]);
export type ScenarioConfig = Static<typeof ScenarioConfig>;

const DeviceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Device id, unique in the simulator (letters, digits, _ . -).' });

const serial = {
  id: DeviceId,
  transport: Type.Optional(
    oneOf(['auto', 'pty', 'mock'], {
      default: SIM_DEFAULTS.transport,
      description: "'pty': a socat pseudo-terminal pair (the agent opens hostPath natively); 'mock': node-serialport's mock binding (the agent must run in the same process and open the path with binding 'mock'); 'auto': pty when socat is installed, else mock. Default auto.",
    }),
  ),
  ptyLink: Type.Optional(Type.String({ minLength: 1, description: "Fixed path of the pty link the agent opens (its directory is created; the device side is '<ptyLink>.device'). Default: a link in a fresh temporary directory." })),
  mockPath: Type.Optional(Type.String({ minLength: 1, description: "Path registered with the mock binding. Default '/dev/ttySIM-<id>'." })),
  baudRate: int('Line speed; sets the Modbus 3.5-character silence. Default 9600 (XY-MD02 factory setting).', SIM_DEFAULTS.baudRate, { enum: [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200] }),
  parity: Type.Optional(oneOf(['none', 'even', 'odd'], { default: SIM_DEFAULTS.parity, description: 'Parity of the device side. Default none (8N1).' })),
};

export const ModbusSlaveConfig = Type.Object(
  {
    address: Type.Integer({ minimum: 1, maximum: 247, description: 'Slave address, 1–247 (Modbus over Serial Line §2.2).' }),
    scenario: ScenarioConfig,
    silent: bool('Dead sensor: never answers. Default false.', false),
    badCrcEvery: int('Corrupt the CRC of every Nth reply; 0 never. Default 0.', 0, { minimum: 0 }),
    responseDelayMs: int('Answer this many ms late. Default 0.', 0, { minimum: 0, maximum: 60_000 }),
  },
  { additionalProperties: false },
);

export const XyMd02DeviceConfig = Type.Object(
  { type: Type.Literal('xy-md02'), ...serial, slaves: Type.Array(ModbusSlaveConfig, { minItems: 1, description: 'XY-MD02 transmitters on this RS-485 bus.' }) },
  { additionalProperties: false, description: 'A Modbus RTU bus of XY-MD02 (SHT20) transmitters.' },
);
export const DhtTextDeviceConfig = Type.Object(
  {
    type: Type.Literal('dht-text'),
    ...serial,
    scenario: ScenarioConfig,
    style: Type.Optional(oneOf(['new', 'old'], { default: 'new', description: "DHTtester line format: 'new' (°C, two spaces) or 'old' (*C, tabs). Default new." })),
    intervalMs: int('Real ms between lines. Default 2000 (DHTtester).', SIM_DEFAULTS.dhtIntervalMs, { minimum: 10 }),
    failEvery: int("Every Nth line is 'Failed to read from DHT sensor!'; 0 never. Default 0.", 0, { minimum: 0 }),
    banner: bool("Print 'DHTxx test!' when starting, as the sketch's setup() does. Default true.", true),
  },
  { additionalProperties: false, description: 'An Arduino running Adafruit DHTtester, printing lines on a serial port.' },
);
const mqttCommon = {
  id: DeviceId,
  scenario: ScenarioConfig,
  intervalMs: int('Real ms between reports. Default 10000.', SIM_DEFAULTS.mqttIntervalMs, { minimum: 10 }),
  qos: Type.Optional(oneOf([0, 1], { default: 0, description: 'MQTT QoS of the publishes. Default 0 (what Zigbee2MQTT and Tasmota use by default).' })),
};
export const Zigbee2MqttDeviceConfig = Type.Object(
  {
    type: Type.Literal('zigbee2mqtt'),
    ...mqttCommon,
    friendlyName: Type.String({ minLength: 1, description: 'Zigbee2MQTT friendly_name: the topic is <baseTopic>/<friendlyName>.' }),
    baseTopic: Type.Optional(Type.String({ minLength: 1, default: 'zigbee2mqtt', description: "Zigbee2MQTT base topic. Default 'zigbee2mqtt'." })),
    precision: int('Decimals of temperature and humidity. Default 2.', SIM_DEFAULTS.z2mPrecision, { minimum: 0, maximum: 2 }),
    repeats: int('Publish each state this many extra times in quick succession (a known Z2M device quirk). Default 0.', 0, { minimum: 0, maximum: 5 }),
    repeatGapMs: int('Gap between those repeats, ms. Default 30.', SIM_DEFAULTS.z2mRepeatGapMs, { minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false, description: 'A Zigbee temperature/humidity sensor as Zigbee2MQTT publishes it.' },
);
export const TasmotaDeviceConfig = Type.Object(
  {
    type: Type.Literal('tasmota'),
    ...mqttCommon,
    topic: Type.String({ minLength: 1, description: 'Tasmota Topic: messages go to tele/<topic>/SENSOR.' }),
    sensorKey: Type.Optional(Type.String({ minLength: 1, default: SIM_DEFAULTS.tasmotaSensorKey, description: "Key of the sensor object (AM2301, SI7021, SHT3X, SHT3X-0x45, …). Default 'AM2301'." })),
    tempUnit: Type.Optional(oneOf(['C', 'F'], { default: 'C', description: 'TempUnit (SetOption8). Default C.' })),
    utcOffsetMinutes: int("The device's time zone, minutes east of UTC. Default 0.", 0, { minimum: -840, maximum: 840 }),
    timeWithOffset: bool('Append the UTC offset to Time (SetOption52). Default false: bare local time.', false),
    timeWithMillis: bool('Milliseconds in Time (newer firmware). Default false.', false),
  },
  { additionalProperties: false, description: 'A Tasmota device with a temperature/humidity sensor.' },
);
const DEVICES = { 'xy-md02': XyMd02DeviceConfig, 'dht-text': DhtTextDeviceConfig, zigbee2mqtt: Zigbee2MqttDeviceConfig, tasmota: TasmotaDeviceConfig } as const;
export const DeviceConfig = Type.Union([XyMd02DeviceConfig, DhtTextDeviceConfig, Zigbee2MqttDeviceConfig, TasmotaDeviceConfig]);
export type DeviceConfig = Static<typeof DeviceConfig>;
export type DeviceType = keyof typeof DEVICES;

const top = {
  seed: int('Seed of every scenario (each device derives its own from it). Default 1.', SIM_DEFAULTS.seed),
  timeScale: num('Scenario minutes per real second: 60 runs an hour of scenario per second; 1/60 ≈ 0.0167 is real time. Default real time.', SIM_DEFAULTS.timeScale, { exclusiveMinimum: 0 }),
  mqtt: Type.Optional(Type.Object({ url: Type.String({ minLength: 1, description: 'Broker URL for the MQTT devices, e.g. mqtt://127.0.0.1:1883.' }) }, { additionalProperties: false })),
};

export const SimulatorConfig = Type.Object({ ...top, devices: Type.Array(DeviceConfig, { minItems: 1 }) }, { additionalProperties: false });
export type SimulatorConfig = Static<typeof SimulatorConfig>;

/** First pass: top-level keys and each device's tag; devices are checked one by one after. */
const Outline = Type.Object(
  {
    ...top,
    devices: Type.Array(Type.Object({ type: oneOf(Object.keys(DEVICES) as DeviceType[]), id: DeviceId }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Validates a parsed config (defaults filled in a copy) or throws one ConfigError naming the key. */
export function parseSimulatorConfig(raw: unknown, source: string): SimulatorConfig {
  const outline = validateConfig(raw, Outline, source);
  const devices = (outline.devices as unknown[]).map((device, i) => parseDevice(device as Record<string, unknown>, `${source}: devices[${i}]`));
  const config = { ...outline, devices } as SimulatorConfig;
  checkConsistency(config, source);
  return config;
}

/** Reads a YAML or JSON file and validates it; `mqttUrl` (deployment override) replaces mqtt.url. */
export function loadSimulatorConfig(path: string, overrides: { mqttUrl?: string } = {}): SimulatorConfig {
  const raw = loadConfigFile(path, Type.Unknown());
  if (overrides.mqttUrl && isObject(raw)) raw.mqtt = { url: overrides.mqttUrl };
  return parseSimulatorConfig(raw, path);
}

function parseDevice(device: Record<string, unknown>, where: string): DeviceConfig {
  const schema: TSchema = DEVICES[device.type as DeviceType];
  const copy = { ...device };
  if (Array.isArray(copy.slaves)) {
    copy.slaves = copy.slaves.map((slave: unknown, j: number) =>
      isObject(slave) && 'scenario' in slave ? { ...slave, scenario: parseScenario(slave.scenario, `${where}.slaves[${j}].scenario`) } : slave,
    );
  } else if ('scenario' in copy) {
    copy.scenario = parseScenario(copy.scenario, `${where}.scenario`);
  }
  return validateConfig(copy, schema, where) as DeviceConfig;
}

function parseScenario(raw: unknown, where: string): ScenarioConfig {
  const kind = isObject(raw) ? raw.kind : undefined;
  if (typeof kind !== 'string' || !(kind in SCENARIOS)) {
    throw new ConfigError(`${where}.kind: must be one of ${Object.keys(SCENARIOS).map((k) => JSON.stringify(k)).join(', ')}`);
  }
  return validateConfig(raw, SCENARIOS[kind as keyof typeof SCENARIOS] as TSchema, where) as ScenarioConfig;
}

function checkConsistency(config: SimulatorConfig, source: string): void {
  const ids = new Set<string>();
  const paths = new Set<string>();
  config.devices.forEach((device, i) => {
    const where = `${source}: devices[${i}]`;
    if (ids.has(device.id)) throw new ConfigError(`${where}.id: "${device.id}" is used by another device`);
    ids.add(device.id);
    if ((device.type === 'zigbee2mqtt' || device.type === 'tasmota') && !config.mqtt) {
      throw new ConfigError(`${source}: mqtt.url: required because devices[${i}] is an MQTT device`);
    }
    if (device.type === 'xy-md02') {
      const seen = new Set<number>();
      device.slaves.forEach((slave, j) => {
        if (seen.has(slave.address)) throw new ConfigError(`${where}.slaves[${j}].address: ${slave.address} is used twice on this bus`);
        seen.add(slave.address);
      });
    }
    if (device.type === 'xy-md02' || device.type === 'dht-text') {
      for (const path of [device.ptyLink, device.mockPath]) {
        if (path === undefined) continue;
        if (paths.has(path)) throw new ConfigError(`${where}: the serial path ${path} is used by another device`);
        paths.add(path);
      }
    }
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
