import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/config.js';
import { loadSimulatorConfig, parseSimulatorConfig } from './config.js';

const SAMPLE = new URL('./sim.sample.yaml', import.meta.url).pathname;
const bus = (extra: object = {}) => ({ id: 'bus', type: 'xy-md02', slaves: [{ address: 1, scenario: { kind: 'cold-room' } }], ...extra });

describe('simulator config', () => {
  it('loads the commented sample and fills documented defaults', () => {
    const config = loadSimulatorConfig(SAMPLE);
    expect(config.devices.map((d) => d.type)).toEqual(['xy-md02', 'dht-text', 'zigbee2mqtt', 'tasmota']);
    const modbus = config.devices[0]!;
    if (modbus.type !== 'xy-md02') throw new Error('unreachable');
    expect(modbus.parity).toBe('none');
    expect(modbus.slaves[0]).toMatchObject({ silent: false, badCrcEvery: 0, responseDelayMs: 0, scenario: { kind: 'cold-room', setPointC: 1, hysteresisC: 2, defrostEveryMin: 360 } });
    const z2m = config.devices[2]!;
    expect(z2m).toMatchObject({ baseTopic: 'zigbee2mqtt', precision: 2, qos: 0 });
  });

  it('fills top-level defaults: seed 1, real time', () => {
    const config = parseSimulatorConfig({ devices: [bus()] }, 'test');
    expect(config.seed).toBe(1);
    expect(config.timeScale).toBeCloseTo(1 / 60, 12);
    expect(config.devices[0]).toMatchObject({ transport: 'auto', baudRate: 9600 });
  });

  it('overrides mqtt.url from the deployment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-simcfg-'));
    try {
      const path = join(dir, 'sim.json');
      writeFileSync(path, JSON.stringify({ devices: [{ id: 'z', type: 'zigbee2mqtt', friendlyName: 'a', scenario: { kind: 'cold-room' } }] }));
      expect(() => loadSimulatorConfig(path)).toThrow(/mqtt\.url: required/);
      expect(loadSimulatorConfig(path, { mqttUrl: 'mqtt://broker:1883' }).mqtt).toEqual({ url: 'mqtt://broker:1883' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ devices: [bus()], tiemScale: 60 }, /test: tiemScale: unknown key/],
    [{ devices: [bus({ baud: 9600 })] }, /devices\[0\]: baud: unknown key/],
    [{ devices: [{ id: 'x', type: 'modbus-tcp' }] }, /devices\[0\]\.type/],
    [{ devices: [bus({ slaves: [{ address: 1, scenario: { kind: 'freezer' } }] })] }, /devices\[0\]\.slaves\[0\]\.scenario\.kind: must be one of "cold-room"/],
    [{ devices: [bus({ slaves: [{ address: 1, scenario: { kind: 'cold-room', setpoint: 1 } }] })] }, /slaves\[0\]\.scenario: setpoint: unknown key/],
    [{ devices: [bus({ slaves: [{ address: 248, scenario: { kind: 'cold-room' } }] })] }, /devices\[0\]: slaves\[0\]\.address: must be <= 247/],
    [{ devices: [bus({ slaves: [{ address: 3, scenario: { kind: 'cold-room' } }, { address: 3, scenario: { kind: 'constant', tempC: 1, rh: 90 } }] })] }, /slaves\[1\]\.address: 3 is used twice/],
    [{ devices: [bus(), bus()] }, /devices\[1\]\.id: "bus" is used by another device/],
    [{ devices: [bus({ slaves: [] })] }, /slaves: must NOT have fewer than 1 items/],
    [{ devices: [{ id: 'd', type: 'dht-text' }] }, /devices\[0\]: scenario: required key is missing/],
    [{ devices: [bus({ ptyLink: '/tmp/a' }), bus({ id: 'b2', ptyLink: '/tmp/a' })] }, /serial path \/tmp\/a is used by another device/],
    [{ devices: [] }, /devices: must NOT have fewer than 1 items/],
  ])('rejects %j with a message naming the key', (raw, message) => {
    expect(() => parseSimulatorConfig(raw, 'test')).toThrow(ConfigError);
    expect(() => parseSimulatorConfig(raw, 'test')).toThrow(message);
  });
});
