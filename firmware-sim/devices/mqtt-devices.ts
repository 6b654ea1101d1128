/**
 * MQTT sensors: one mqtt.js connection per device that publishes its state every interval,
 * Zigbee2MQTT style (optionally republishing the same state a few times in quick succession,
 * as real Z2M devices do) or Tasmota style. Payload formats live in mqtt-payloads.ts.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Climate } from '../scenarios.js';
import type { DeviceContext, SimulatedDevice } from '../device.js';
import { tasmotaSensor, zigbee2mqttState, type Payload, type TasmotaOptions, type Zigbee2MqttOptions } from './mqtt-payloads.js';

export interface MqttDeviceOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  clientId: string;
  /** Time between reports, real ms. */
  intervalMs: number;
  qos?: 0 | 1;
  /** Extra identical publishes of each report (Zigbee2MQTT quirk); 0: none. */
  repeats?: number;
  /** Gap between those repeats, ms. */
  repeatGapMs?: number;
  /** Builds report number `report` (1, 2, …) at a scenario time and wall-clock time. */
  build(scenarioMs: number, nowMs: number, report: number): Payload;
  context: DeviceContext;
}

/**
 * Connects (rejecting with a message naming the broker if the first attempt fails) and returns
 * a device that publishes once resumed. Later disconnections are retried every second, as
 * device firmware does; reports made meanwhile are queued by mqtt.js and sent on reconnect.
 */
export async function startMqttDevice(options: MqttDeviceOptions): Promise<SimulatedDevice> {
  const { context } = options;
  let client: MqttClient;
  try {
    client = await connectAsync(options.url, { clientId: options.clientId, reconnectPeriod: 1000, connectTimeout: 5000 }, false);
  } catch (err) {
    throw new Error(`simulated MQTT device ${options.clientId} cannot connect to ${options.url}: ${(err as Error).message}`);
  }
  client.on('error', (err) => context.logger.warn({ err: err.message, clientId: options.clientId }, 'simulated MQTT device error'));

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let report = 0;
  let publishing: Promise<void> = Promise.resolve();
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  function tick(): void {
    if (stopped) return;
    report++;
    const scenarioMs = context.scenarioTime();
    const { topic, payload, decoded } = options.build(scenarioMs, context.now(), report);
    const qos = options.qos ?? 0;
    publishing = publishing
      .then(async () => {
        if (stopped) return;
        // Recorded once per report (the repeats below carry the same state), before it is
        // published so that a subscriber finds it already listed.
        context.record({ at: context.now(), scenarioMs, ...decoded, wire: payload });
        await client.publishAsync(topic, payload, { qos });
        for (let i = 0; i < (options.repeats ?? 0) && !stopped; i++) {
          await sleep(options.repeatGapMs ?? 30);
          if (!stopped) await client.publishAsync(topic, payload, { qos });
        }
      })
      .catch((err: unknown) => context.logger.warn({ err: String(err), topic }, 'simulated MQTT publish failed'));
  }

  return {
    resume: () => {
      if (timer || stopped) return;
      timer = setInterval(tick, options.intervalMs);
    },
    pause: () => {
      clearInterval(timer);
      timer = undefined;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      await publishing;
      await client.endAsync();
    },
  };
}

export interface Zigbee2MqttDeviceOptions extends Omit<MqttDeviceOptions, 'build'> {
  z2m: Zigbee2MqttOptions;
  climate(scenarioMs: number): Climate;
  seed: number;
}

export function startZigbee2MqttDevice(options: Zigbee2MqttDeviceOptions): Promise<SimulatedDevice> {
  return startMqttDevice({
    ...options,
    build: (scenarioMs, _now, report) => zigbee2mqttState(options.climate(scenarioMs), options.z2m, options.seed, scenarioMs, report),
  });
}

export interface TasmotaDeviceOptions extends Omit<MqttDeviceOptions, 'build' | 'repeats'> {
  tasmota: TasmotaOptions;
  climate(scenarioMs: number): Climate;
}

export function startTasmotaDevice(options: TasmotaDeviceOptions): Promise<SimulatedDevice> {
  return startMqttDevice({
    ...options,
    build: (scenarioMs, nowMs) => tasmotaSensor(options.climate(scenarioMs), options.tasmota, nowMs),
  });
}
