/**
 * Runs the configured simulated devices together: opens their serial lines (pty pairs or mock
 * ports) and MQTT connections, drives them from one scenario clock, and records what each one
 * emitted so an end-to-end test can check that every value arrived exactly once.
 */
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { silentLogger, type Logger } from '../common/log.js';
import { parseSimulatorConfig, SIM_DEFAULTS, type DeviceConfig, type ScenarioConfig, type SimulatorConfig } from './config.js';
import type { DeviceContext, EmittedValue, SimulatedDevice } from './device.js';
import { startDhtText } from './devices/dht-text.js';
import { startTasmotaDevice, startZigbee2MqttDevice } from './devices/mqtt-devices.js';
import { startXyMd02Bus, type XyMd02Bus, type XyMd02Stats } from './devices/xy-md02.js';
import { openEndpoint, type EndpointKind, type SerialEndpoint } from './endpoint.js';
import { socatAvailable } from './pty.js';
import { seedFromString } from './random.js';
import { scenarioAt, scenarioTimeMs, type Climate } from './scenarios.js';

export interface SerialDeviceInfo {
  id: string;
  type: 'xy-md02' | 'dht-text';
  /** 'pty': open `hostPath` with the native binding; 'mock': with `binding: 'mock'`, in this process. */
  transport: EndpointKind;
  hostPath: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  /** Modbus slave addresses on the bus (xy-md02 only). */
  addresses?: number[];
}

export interface MqttDeviceInfo {
  id: string;
  type: 'zigbee2mqtt' | 'tasmota';
  brokerUrl: string;
  /** The topic the device publishes to. */
  topic: string;
}

export type DeviceInfo = SerialDeviceInfo | MqttDeviceInfo;

export interface SimulatorHandle {
  /** Every device with the endpoint the edge agent must use, in config order. */
  readonly devices: readonly DeviceInfo[];
  /** One device's info; throws for an unknown id. */
  device(id: string): DeviceInfo;
  /**
   * What the device emitted so far, in order, as a receiver decodes it: each successful Modbus
   * reply (per address; corrupted replies excluded), each good text line (failure lines and the
   * banner excluded), each MQTT report (repeats excluded).
   */
  emitted(deviceId: string): EmittedValue[];
  /** Frame counters of a Modbus bus (xy-md02 only). */
  modbusStats(deviceId: string): XyMd02Stats;
  /** Starts (or restarts after pause()) text and MQTT devices. Idempotent. */
  resume(): void;
  /**
   * Stops text and MQTT devices from emitting new values; a line or publish already begun
   * completes. Modbus slaves keep answering (stop the polling agent instead). Lets a test
   * quiet the devices, give the last bytes time to arrive, then compare with `emitted()`.
   */
  pause(): void;
  /** Stops every device, closes ptys, mock ports and MQTT connections. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartSimulatorOptions {
  logger?: Logger;
  /** Wall clock (UTC ms); injectable for tests. */
  now?: () => number;
  /**
   * Open every endpoint but let text and MQTT devices talk only after `resume()`: start the
   * agent in between so nothing is emitted before anyone listens. Modbus slaves always answer.
   */
  paused?: boolean;
  /** Refuse the mock transport (a standalone simulator process has no agent to share it with). */
  forbidMock?: boolean;
}

/**
 * Validates `config` (defaults applied) and starts every device. If one cannot start, the ones
 * already started are stopped and the error names the device.
 */
export async function startSimulator(input: SimulatorConfig, options: StartSimulatorOptions = {}): Promise<SimulatorHandle> {
  const config = parseSimulatorConfig(input, 'simulator config');
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  const startedAt = now();
  const timeScale = config.timeScale ?? SIM_DEFAULTS.timeScale;
  const scenarioTime = (): number => scenarioTimeMs(now() - startedAt, timeScale);
  const emitted = new Map<string, EmittedValue[]>();
  const running: Array<{ id: string; device: SimulatedDevice }> = [];
  const buses = new Map<string, XyMd02Bus>();
  const infos: DeviceInfo[] = [];

  const contextFor = (id: string): DeviceContext => {
    const list: EmittedValue[] = [];
    emitted.set(id, list);
    return { logger: logger.child({ device: id }), now, scenarioTime, record: (value) => list.push(value) };
  };
  const climateOf = (scenario: ScenarioConfig, streamName: string): ((scenarioMs: number) => Climate) => {
    const seed = scenarioSeed(config.seed ?? SIM_DEFAULTS.seed, streamName, scenario);
    return (scenarioMs) => scenarioAt(scenario, seed, scenarioMs);
  };

  try {
    for (const device of config.devices) {
      const context = contextFor(device.id);
      const { info, started } = await startDevice(device, context, climateOf, config, options);
      infos.push(info);
      running.push({ id: device.id, device: started });
      if (device.type === 'xy-md02') buses.set(device.id, started as XyMd02Bus);
      logger.info(info, 'simulated device started');
    }
  } catch (err) {
    await Promise.allSettled(running.map((r) => r.device.stop()));
    throw err;
  }

  let stopped = false;
  const resume = (): void => {
    if (!stopped) for (const r of running) r.device.resume();
  };
  const pause = (): void => {
    for (const r of running) r.device.pause();
  };
  if (!options.paused) resume();

  const known = (id: string): void => {
    if (!emitted.has(id)) throw new Error(`no simulated device "${id}" (devices: ${[...emitted.keys()].join(', ')})`);
  };
  return {
    devices: infos,
    device: (id) => {
      known(id);
      return infos.find((i) => i.id === id)!;
    },
    emitted: (id) => {
      known(id);
      return emitted.get(id)!.map((v) => ({ ...v }));
    },
    modbusStats: (id) => {
      const bus = buses.get(id);
      if (!bus) throw new Error(`"${id}" is not a simulated Modbus bus`);
      return bus.stats();
    },
    resume,
    pause,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const results = await Promise.allSettled(running.map((r) => r.device.stop()));
      results.forEach((r, i) => {
        if (r.status === 'rejected') logger.warn({ device: running[i]!.id, err: String(r.reason) }, 'simulated device did not stop cleanly');
      });
    },
  };
}

/**
 * The seed a device's scenario runs with: its own `seed` if set, else one derived from the
 * simulator seed and the device's stream name (`<id>` or, on a Modbus bus, `<id>/<address>`).
 * A test recomputes expected values with `scenarioAt(scenario, scenarioSeed(...), scenarioMs)`.
 */
export function scenarioSeed(simulatorSeed: number, streamName: string, scenario?: ScenarioConfig): number {
  if (scenario && 'seed' in scenario && scenario.seed !== undefined) return scenario.seed;
  return seedFromString(streamName, simulatorSeed);
}

type ClimateFactory = (scenario: ScenarioConfig, streamName: string) => (scenarioMs: number) => Climate;

async function startDevice(
  device: DeviceConfig,
  context: DeviceContext,
  climateOf: ClimateFactory,
  config: SimulatorConfig,
  options: StartSimulatorOptions,
): Promise<{ info: DeviceInfo; started: SimulatedDevice }> {
  switch (device.type) {
    case 'xy-md02': {
      const endpoint = await openDeviceEndpoint(device, options);
      const baudRate = device.baudRate ?? SIM_DEFAULTS.baudRate;
      const started = startXyMd02Bus({
        endpoint,
        baudRate,
        context,
        slaves: device.slaves.map((s) => ({
          address: s.address,
          climate: climateOf(s.scenario, `${device.id}/${s.address}`),
          silent: s.silent,
          badCrcEvery: s.badCrcEvery,
          responseDelayMs: s.responseDelayMs,
        })),
      });
      return { info: { ...serialInfo(device, endpoint), addresses: device.slaves.map((s) => s.address) }, started };
    }
    case 'dht-text': {
      const endpoint = await openDeviceEndpoint(device, options);
      const started = startDhtText({
        endpoint,
        context,
        climate: climateOf(device.scenario, device.id),
        style: device.style,
        intervalMs: device.intervalMs,
        failEvery: device.failEvery,
        banner: device.banner,
      });
      return { info: serialInfo(device, endpoint), started };
    }
    case 'zigbee2mqtt': {
      const url = config.mqtt!.url;
      const z2m = { friendlyName: device.friendlyName, baseTopic: device.baseTopic, precision: device.precision ?? SIM_DEFAULTS.z2mPrecision };
      const started = await startZigbee2MqttDevice({
        url,
        clientId: `freshtrail-sim-${device.id}`,
        intervalMs: device.intervalMs ?? SIM_DEFAULTS.mqttIntervalMs,
        qos: device.qos,
        repeats: device.repeats,
        repeatGapMs: device.repeatGapMs,
        z2m,
        climate: climateOf(device.scenario, device.id),
        seed: seedFromString(`${device.id}/zigbee`, config.seed ?? SIM_DEFAULTS.seed),
        context,
      });
      return { info: { id: device.id, type: device.type, brokerUrl: url, topic: `${z2m.baseTopic ?? 'zigbee2mqtt'}/${z2m.friendlyName}` }, started };
    }
    case 'tasmota': {
      const url = config.mqtt!.url;
      const started = await startTasmotaDevice({
        url,
        clientId: `freshtrail-sim-${device.id}`,
        intervalMs: device.intervalMs ?? SIM_DEFAULTS.mqttIntervalMs,
        qos: device.qos,
        tasmota: {
          topic: device.topic,
          sensorKey: device.sensorKey ?? SIM_DEFAULTS.tasmotaSensorKey,
          tempUnit: device.tempUnit ?? 'C',
          utcOffsetMinutes: device.utcOffsetMinutes ?? 0,
          timeWithOffset: device.timeWithOffset ?? false,
          timeWithMillis: device.timeWithMillis ?? false,
        },
        climate: climateOf(device.scenario, device.id),
        context,
      });
      return { info: { id: device.id, type: device.type, brokerUrl: url, topic: `tele/${device.topic}/SENSOR` }, started };
    }
  }
}

type SerialDeviceConfig = Extract<DeviceConfig, { type: 'xy-md02' | 'dht-text' }>;

async function openDeviceEndpoint(device: SerialDeviceConfig, options: StartSimulatorOptions): Promise<SerialEndpoint> {
  const transport = device.transport ?? SIM_DEFAULTS.transport;
  if (options.forbidMock && (transport === 'mock' || (transport === 'auto' && !socatAvailable()))) {
    throw new Error(
      `simulated device ${device.id}: ${transport === 'auto' ? 'socat is not installed, and ' : ''}the mock serial binding only works with the agent in the same process; install socat (apt-get install -y socat) or run \`freshtrail demo\``,
    );
  }
  try {
    return await openEndpoint({
      transport,
      line: { baudRate: device.baudRate ?? SIM_DEFAULTS.baudRate, parity: device.parity ?? SIM_DEFAULTS.parity },
      mockPath: device.mockPath ?? `/dev/ttySIM-${device.id}`,
      logger: options.logger,
      pty: device.ptyLink === undefined ? undefined : ptyAt(device.ptyLink),
    });
  } catch (err) {
    throw new Error(`simulated device ${device.id}: ${(err as Error).message}`);
  }
}

/** Link names for a fixed host path; a stale symlink left by a killed run is replaced. */
function ptyAt(link: string): { dir: string; hostName: string; deviceName: string } {
  mkdirSync(dirname(link), { recursive: true });
  for (const path of [link, `${link}.device`]) {
    if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(path);
  }
  return { dir: dirname(link), hostName: basename(link), deviceName: `${basename(link)}.device` };
}

function serialInfo(device: SerialDeviceConfig, endpoint: SerialEndpoint): SerialDeviceInfo {
  return {
    id: device.id,
    type: device.type,
    transport: endpoint.kind,
    hostPath: endpoint.hostPath,
    baudRate: device.baudRate ?? SIM_DEFAULTS.baudRate,
    parity: device.parity ?? SIM_DEFAULTS.parity,
  };
}
