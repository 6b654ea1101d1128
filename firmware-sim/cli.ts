/**
 * `freshtrail sim`: runs the simulated sensors of a config file as a standalone process until
 * SIGINT/SIGTERM (or --duration), printing where each device can be reached.
 */
import { writeFileSync } from 'node:fs';
import { createLogger } from '../common/log.js';
import { intOption, parseCommandArgs, print, UsageError } from '../cli/args.js';
import { untilSignal } from '../cli/lifecycle.js';
import { loadSimulatorConfig } from './config.js';
import { startSimulator, type SimulatorHandle } from './simulator.js';

const USAGE = `usage: freshtrail sim --config sim.yaml [--mqtt-url URL] [--duration SECONDS] [--record FILE]

Runs simulated sensors: XY-MD02 Modbus buses and DHT text devices on socat pseudo-terminals,
Zigbee2MQTT and Tasmota devices on an MQTT broker. Prints one JSON line per device with the
serial path or topic the edge agent must use, then runs until Ctrl-C.
  --mqtt-url URL      broker for the MQTT devices (overrides mqtt.url; env FRESHTRAIL_SIM_MQTT_URL)
  --duration SECONDS  stop after this long instead of waiting for a signal
  --record FILE       on exit, write every emitted value per device as JSON to FILE
See firmware-sim/sim.sample.yaml.`;

export async function simCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      config: { type: 'string', short: 'c' },
      'mqtt-url': { type: 'string' },
      duration: { type: 'string' },
      record: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) return print(USAGE), 0;
  if (!values.config) throw new UsageError(`--config is required\n\n${USAGE}`);
  const duration = intOption(values.duration, 'duration');
  const config = loadSimulatorConfig(values.config, { mqttUrl: values['mqtt-url'] ?? process.env.FRESHTRAIL_SIM_MQTT_URL });

  const logger = createLogger({ name: 'sim' });
  // A separate process cannot share node-serialport's in-process mock binding with an agent.
  const sim = await startSimulator(config, { logger, forbidMock: true });
  for (const device of sim.devices) print(JSON.stringify(device));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await sim.stop();
      if (values.record) writeRecord(values.record, sim);
    })());
  const signalled = untilSignal(stop);
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    if (duration !== undefined) timer = setTimeout(resolve, duration * 1000);
  });
  await Promise.race([signalled, elapsed]);
  clearTimeout(timer);
  await stop();
  return 0;
}

function writeRecord(path: string, sim: SimulatorHandle): void {
  const record = Object.fromEntries(sim.devices.map((d) => [d.id, sim.emitted(d.id)]));
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
}
