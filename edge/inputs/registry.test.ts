import { Type } from '@sinclair/typebox';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, validateConfig } from '../../common/config.js';
import { silentLogger } from '../../common/log.js';
import { EdgeConfigSchema } from '../config.js';
import { EdgeMetrics } from '../metrics.js';
import { createInput, InputConfigSchema, InputConfigUnion, inputRegistry, type InputConfig } from './registry.js';

const Inputs = Type.Object({ inputs: Type.Array(InputConfigSchema) }, { additionalProperties: false });
const ctx = { logger: silentLogger(), metrics: new EdgeMetrics(), now: () => 0 };
const validate = (inputs: unknown[]): InputConfig[] => validateConfig({ inputs }, Inputs, 'edge.yaml').inputs;

describe('input registry', () => {
  it('validates the shipped sample config', async () => {
    const sample = fileURLToPath(new URL('../edge.sample.yaml', import.meta.url));
    const { inputs } = loadConfigFile(sample, EdgeConfigSchema);
    expect(inputs.map((i) => i.type)).toEqual(['modbus', 'serial-lines', 'serial-lines', 'mqtt', 'mqtt']);
    for (const config of inputs) expect((await createInput(config, ctx)).name).toBe(config.name);
  });

  it('fills the documented defaults of the selected input type', () => {
    const [modbus, mqtt] = validate([
      { type: 'modbus', name: 'bus', port: '/dev/ttyUSB0', sensors: [{ id: 's', address: 1, location: 'l' }] },
      { type: 'mqtt', name: 'z', url: 'mqtt://h', format: 'zigbee2mqtt' },
    ]);
    expect(modbus).toMatchObject({ baudRate: 9600, parity: 'none', pollIntervalMs: 10_000, timeoutMs: 1000, retries: 1, sensors: [{ function: 4, temperatureRegister: 1, humidityRegister: 2, scale: 10, signedTemperature: true }] });
    expect(mqtt).toMatchObject({ dedupeWindowMs: 10_000, sensors: [] });
  });

  it('names the missing or unknown key of the input the user meant', () => {
    expect(() => validate([{ type: 'mqtt', name: 'z', format: 'tasmota' }])).toThrow('inputs[0].url: required key is missing');
    expect(() => validate([{ type: 'mqtt', name: 'z', url: 'mqtt://h', format: 'tasmota', qos: 2 }])).toThrow('inputs[0].qos: unknown key');
    expect(() => validate([{ type: 'serial-lines', name: 's', port: '/dev/x', format: 'dht', sensor: { id: 'a', location: 'b', extra: 1 } }])).toThrow(
      'inputs[0].sensor.extra: unknown key',
    );
    expect(() => validate([{ type: 'modbus', name: 'b', port: '/dev/x', sensors: [{ id: 's', address: 300, location: 'l' }] }])).toThrow('inputs[0].sensors[0].address');
    expect(() => validate([{ type: 'zigbee', name: 'z' }])).toThrow('inputs[0].type: must be one of "modbus", "serial-lines", "mqtt"');
    expect(() => validate([{ type: 'modbus', port: '/dev/x' }])).toThrow('inputs[0].name: required key is missing');
  });

  it('documents every option with a description', () => {
    const undocumented: string[] = [];
    const walk = (schema: Record<string, unknown>, path: string): void => {
      const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, sub] of Object.entries(props ?? {})) {
        if (typeof sub.description !== 'string' && !(sub.type === 'array' && typeof (sub.items as Record<string, unknown>).description === 'string')) undocumented.push(`${path}.${key}`);
        if (sub.type === 'object') walk(sub, `${path}.${key}`);
        if (sub.type === 'array' && (sub.items as Record<string, unknown>).type === 'object') walk(sub.items as Record<string, unknown>, `${path}.${key}[]`);
      }
      for (const key of schema.required as string[]) expect(props?.[key], `${path}.${key}`).toBeDefined();
    };
    for (const [type, plugin] of Object.entries(inputRegistry)) walk(plugin.schema as unknown as Record<string, unknown>, type);
    expect(undocumented).toEqual([]);
    expect(InputConfigUnion.anyOf).toHaveLength(3);
  });

  it('refuses what a schema cannot express, as a ConfigError', async () => {
    const [dup] = validate([
      { type: 'modbus', name: 'b', port: '/dev/x', sensors: [{ id: 'a', address: 1, location: 'l' }, { id: 'b', address: 1, location: 'l' }] },
    ]);
    await expect(createInput(dup!, ctx)).rejects.toThrow(ConfigError);
    const [pattern] = validate([{ type: 'serial-lines', name: 's', port: '/dev/x', format: 'pattern', pattern: '(unclosed', sensor: { id: 'a', location: 'b' } }]);
    await expect(createInput(pattern!, ctx)).rejects.toThrow(/not a valid regular expression/);
    const [noPattern] = validate([{ type: 'serial-lines', name: 's', port: '/dev/x', format: 'pattern', sensor: { id: 'a', location: 'b' } }]);
    await expect(createInput(noPattern!, ctx)).rejects.toThrow(/pattern: required/);
    const [dhtWithUnit] = validate([{ type: 'serial-lines', name: 's', port: '/dev/x', format: 'dht', unit: 'F', sensor: { id: 'a', location: 'b' } }]);
    await expect(createInput(dhtWithUnit!, ctx)).rejects.toThrow(/only applies to format 'pattern'/);
  });
});
