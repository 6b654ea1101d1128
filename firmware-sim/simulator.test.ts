/**
 * The whole simulator as the edge agent sees it: serial devices read through their host paths
 * (real ptys when socat is installed, and the mock binding), MQTT devices through an aedes
 * broker; everything received must be exactly what `emitted()` lists.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../test/support/tools.js';
import { closeSerialPort, type SerialPortStream } from '../edge/serial/port.js';
import type { SimulatorConfig } from './config.js';
import { scenarioAt } from './scenarios.js';
import { scenarioSeed, startSimulator, type SerialDeviceInfo, type SimulatorHandle } from './simulator.js';
import { HostReader, openHostSide } from './testing.js';

const noSocat = skipWithoutTool('socat');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('startSimulator', () => {
  let broker: Aedes;
  let server: Server;
  let url: string;
  let sim: SimulatorHandle | undefined;
  const ports: SerialPortStream[] = [];
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    broker = await Aedes.createBroker();
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterEach(async () => {
    for (const p of ports.splice(0)) await closeSerialPort(p);
    for (const c of clients.splice(0)) await c.endAsync();
    await sim?.stop();
    sim = undefined;
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function host(info: SerialDeviceInfo): Promise<HostReader> {
    const port = await openHostSide(info);
    ports.push(port);
    return new HostReader(port);
  }

  for (const transport of ['mock', 'pty'] as const) {
    it.skipIf(transport === 'pty' && noSocat)(`delivers exactly what emitted() lists (${transport} serial devices + MQTT)`, async () => {
      const config: SimulatorConfig = {
        seed: 7,
        timeScale: 60,
        mqtt: { url },
        devices: [
          {
            id: 'bus',
            type: 'xy-md02',
            transport,
            slaves: [
              { address: 1, scenario: { kind: 'constant', tempC: 23.4, rh: 45.6 } },
              { address: 2, scenario: { kind: 'cold-room' } },
            ],
          },
          { id: 'dht', type: 'dht-text', transport, intervalMs: 25, failEvery: 4, scenario: { kind: 'reefer-truck' } },
          { id: 'z2m', type: 'zigbee2mqtt', friendlyName: 'room', intervalMs: 25, repeats: 1, repeatGapMs: 2, scenario: { kind: 'cold-room' } },
          { id: 'tas', type: 'tasmota', topic: 'plug', tempUnit: 'F', intervalMs: 25, scenario: { kind: 'reefer-truck' } },
        ],
      };
      sim = await startSimulator(config, { paused: true });

      expect(sim.devices.map((d) => d.id)).toEqual(['bus', 'dht', 'z2m', 'tas']);
      const busInfo = sim.device('bus') as SerialDeviceInfo;
      expect(busInfo).toMatchObject({ type: 'xy-md02', transport, baudRate: 9600, parity: 'none', addresses: [1, 2] });
      expect(sim.device('z2m')).toEqual({ id: 'z2m', type: 'zigbee2mqtt', brokerUrl: url, topic: 'zigbee2mqtt/room' });
      expect(sim.device('tas')).toMatchObject({ topic: 'tele/plug/SENSOR' });

      // The "agent": open everything, then let the devices talk.
      const busReader = await host(busInfo);
      const dhtReader = await host(sim.device('dht') as SerialDeviceInfo);
      const subscriber = await connectAsync(url, { clientId: 'agent' });
      clients.push(subscriber);
      const mqttSeen: Array<{ topic: string; payload: string }> = [];
      subscriber.on('message', (topic, payload) => mqttSeen.push({ topic, payload: payload.toString() }));
      await subscriber.subscribeAsync(['zigbee2mqtt/room', 'tele/plug/SENSOR']);
      sim.resume();

      const busPort = ports[0]!;
      const replies: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        busPort.write(hex('01 04 00 01 00 02 20 0b'));
        replies.push(await busReader.take(9));
        busPort.write(hex('02 04 00 01 00 02 20 38'));
        replies.push(await busReader.take(9));
      }
      const lines: string[] = [];
      while (lines.filter((l) => l.startsWith('Humidity')).length < 6) lines.push(await dhtReader.line());
      await waitFor(() => mqttSeen.length >= 8);
      await sim.stop();
      // Whatever was in flight at stop has landed before we compare.
      await new Promise((r) => setTimeout(r, 100));

      const bus = sim.emitted('bus');
      expect(bus.map((e) => e.wire)).toEqual(replies.map((r) => r.toString('hex')));
      expect(bus.filter((e) => e.address === 1).every((e) => e.tempC === 23.4 && e.rh === 45.6)).toBe(true);
      // Address 2 follows its scenario: recompute from (seed, scenario time) as a test of the e2e contract.
      for (const e of bus.filter((v) => v.address === 2)) {
        const c = scenarioAt({ kind: 'cold-room' }, scenarioSeed(7, 'bus/2'), e.scenarioMs);
        expect(e.tempC).toBe(Math.round(c.tempC * 10) / 10);
      }
      // Scenario time runs 3600× faster than the wall clock at timeScale 60.
      expect(bus[5]!.scenarioMs - bus[0]!.scenarioMs).toBeGreaterThanOrEqual((bus[5]!.at - bus[0]!.at) * 3600 - 3600);
      expect(sim.modbusStats('bus').replies).toBe(6);

      const dht = sim.emitted('dht');
      const goodLines = lines.filter((l) => l.startsWith('Humidity'));
      expect(dht.slice(0, goodLines.length).map((e) => e.wire)).toEqual(goodLines);
      expect(lines).toContain('Failed to read from DHT sensor!');

      const z2mWire = mqttSeen.filter((m) => m.topic === 'zigbee2mqtt/room').map((m) => m.payload);
      const z2m = sim.emitted('z2m');
      // Each state arrives twice (one repeat), except that stop() may cut the last repeat.
      expect(z2mWire.filter((w, i) => i === 0 || w !== z2mWire[i - 1])).toEqual(z2m.map((e) => e.wire));
      expect(z2mWire.length).toBeGreaterThanOrEqual(2 * z2m.length - 1);
      const tas = sim.emitted('tas');
      expect(mqttSeen.filter((m) => m.topic === 'tele/plug/SENSOR').map((m) => m.payload)).toEqual(tas.map((e) => e.wire));
      expect(tas[0]!.wire).toContain('"TempUnit":"F"');
    });
  }

  it('lets nothing talk before resume() or after pause(), and refuses unknown ids', async () => {
    sim = await startSimulator({ mqtt: { url }, devices: [{ id: 'z', type: 'zigbee2mqtt', friendlyName: 'a', intervalMs: 10, scenario: { kind: 'cold-room' } }] }, { paused: true });
    await new Promise((r) => setTimeout(r, 60));
    expect(sim.emitted('z')).toEqual([]);
    sim.resume();
    await waitFor(() => sim!.emitted('z').length > 0);
    sim.pause();
    await new Promise((r) => setTimeout(r, 30)); // a publish begun before pause() completes
    const quiet = sim.emitted('z').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.emitted('z')).toHaveLength(quiet);
    sim.resume();
    await waitFor(() => sim!.emitted('z').length > quiet);
    expect(() => sim!.emitted('nope')).toThrow(/no simulated device "nope"/);
    expect(() => sim!.modbusStats('z')).toThrow(/not a simulated Modbus bus/);
  });

  it('stops the devices it started when a later one fails, and names it', async () => {
    const config: SimulatorConfig = {
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      devices: [
        { id: 'ok', type: 'xy-md02', transport: 'mock', mockPath: '/dev/ttySIM-rollback', slaves: [{ address: 1, scenario: { kind: 'cold-room' } }] },
        { id: 'bad', type: 'tasmota', topic: 't', scenario: { kind: 'cold-room' } },
      ],
    };
    await expect(startSimulator(config)).rejects.toThrow(/bad cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
    // The mock path was released: a new simulator can use it.
    sim = await startSimulator({ devices: [config.devices[0]!] });
    expect(sim.device('ok')).toMatchObject({ hostPath: '/dev/ttySIM-rollback' });
  });

  it('refuses the mock transport when asked to (a standalone process)', async () => {
    await expect(
      startSimulator({ devices: [{ id: 'm', type: 'dht-text', transport: 'mock', scenario: { kind: 'cold-room' } }] }, { forbidMock: true }),
    ).rejects.toThrow(/mock serial binding only works with the agent in the same process/);
  });

  it.skipIf(noSocat)('creates the pty link at ptyLink and removes it on stop', async () => {
    const link = `/tmp/freshtrail-sim-test-${process.pid}/ttyCOLD`;
    sim = await startSimulator({ devices: [{ id: 'c', type: 'xy-md02', transport: 'pty', ptyLink: link, slaves: [{ address: 1, scenario: { kind: 'constant', tempC: 1, rh: 90 } }] }] });
    expect(sim.device('c')).toMatchObject({ transport: 'pty', hostPath: link });
    const reader = await host(sim.device('c') as SerialDeviceInfo);
    ports[0]!.write(hex('01 04 00 01 00 02 20 0b'));
    expect((await reader.take(9)).subarray(0, 7).toString('hex')).toBe('010404000a0384');
    await closeSerialPort(ports.pop()!);
    await sim.stop();
    const { existsSync, rmSync } = await import('node:fs');
    expect(existsSync(link)).toBe(false);
    rmSync(`/tmp/freshtrail-sim-test-${process.pid}`, { recursive: true, force: true });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
