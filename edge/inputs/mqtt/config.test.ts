import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../../common/config.js';
import { silentLogger } from '../../../common/log.js';
import { EdgeMetrics } from '../../metrics.js';
import { createInput, InputConfigSchema, type InputConfig } from '../registry.js';
import { resolveMqttConfig, type MqttInputConfig } from './config.js';

const Inputs = Type.Object({ inputs: Type.Array(InputConfigSchema) }, { additionalProperties: false });
const validate = (inputs: unknown[]): InputConfig[] => validateConfig({ inputs }, Inputs, 'edge.yaml').inputs;
const mqttConfig = (extra: Record<string, unknown>): MqttInputConfig => validate([{ type: 'mqtt', name: 'm', url: 'mqtt://h', ...extra }])[0] as MqttInputConfig;

/** The commented-out mqtt examples of edge.sample.yaml, uncommented (one "# " removed per line). */
function sampleMqttExamples(): unknown[] {
  const lines = readFileSync(fileURLToPath(new URL('../../edge.sample.yaml', import.meta.url)), 'utf8').split('\n');
  const examples: unknown[] = [];
  let block: string[] | undefined;
  const flush = (): void => {
    if (block) examples.push(...(parseYaml(block.join('\n')) as unknown[]));
    block = undefined;
  };
  for (const line of lines) {
    if (line.startsWith('  # - type: mqtt')) {
      flush();
      block = [line.replace('# ', '')];
    } else if (block && line.startsWith('  #   ')) {
      block.push(line.replace('# ', ''));
    } else {
      flush();
    }
  }
  flush();
  return examples;
}

describe('mqtt input config', () => {
  it('defaults the topics of each format', () => {
    const topics = (format: string, extra = {}): string[] => resolveMqttConfig(mqttConfig({ format, ...extra })).topics;
    expect(topics('zigbee2mqtt', { baseTopic: 'z' })).toEqual(['z/#']);
    expect(topics('tasmota')).toEqual(['tele/+/SENSOR']);
    expect(topics('shelly-gen1')).toEqual(['shellies/+/sensor/+', 'shellies/+/ext_temperature/+', 'shellies/+/ext_humidity/+']);
    expect(topics('shelly-gen2')).toEqual(['+/events/rpc', '+/+/events/rpc']);
    expect(topics('the-things-stack')).toEqual(['v3/+/devices/+/up']);
  });

  it('fills duplicateCheck and passes format options through', () => {
    const settings = resolveMqttConfig(mqttConfig({ format: 'tasmota', timezone: 'America/Chicago' }));
    expect(settings).toMatchObject({ duplicateCheck: 'always', formatOptions: { timeZone: 'America/Chicago', temperatureUnit: 'C' } });
  });

  it('refuses options meant for another format, an unknown zone, and an incomplete json mapping', () => {
    const refuse = (extra: Record<string, unknown>): string => {
      try {
        resolveMqttConfig(mqttConfig(extra));
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refuse({ format: 'tasmota', temperatureUnit: 'F' })).toBe("inputs.m.temperatureUnit: only applies to format 'shelly-gen1' or 'json'");
    expect(refuse({ format: 'shelly-gen2', timezone: 'Europe/Berlin' })).toMatch(/timezone: only applies to format 'tasmota' or 'json'/);
    expect(refuse({ format: 'tasmota', baseTopic: 'z' })).toMatch(/baseTopic: only applies to format 'zigbee2mqtt'/);
    expect(refuse({ format: 'tasmota', fields: { temperature: 't' } })).toMatch(/fields: only applies to format 'json'/);
    expect(refuse({ format: 'tasmota', timezone: 'Mars/Olympus_Mons' })).toMatch(/not an IANA time zone/);
    expect(refuse({ format: 'json', topics: ['a'] })).toMatch(/fields: required for format 'json'/);
    expect(refuse({ format: 'json', fields: { temperature: 't' } })).toMatch(/topics: required for format 'json'/);
    expect(refuse({ format: 'json', topics: ['a'], fields: { battery: 'b' } })).toMatch(/name temperature, humidity or both/);
    expect(refuse({ format: 'json', topics: ['a'], fields: { temperature: 'a..b' } })).toMatch(/fields.temperature: "a..b" has an empty segment/);
  });

  it('rejects unknown keys inside fields and unknown formats in the schema', () => {
    expect(() => mqttConfig({ format: 'json', topics: ['a'], fields: { temp: 't' } })).toThrow('inputs[0].fields.temp: unknown key');
    expect(() => mqttConfig({ format: 'homie' })).toThrow(/inputs\[0\]\.format/);
    expect(() => mqttConfig({ format: 'tasmota', duplicateCheck: 'sometimes' })).toThrow(/inputs\[0\]\.duplicateCheck/);
  });

  it('accepts every commented mqtt example of edge.sample.yaml', async () => {
    const examples = sampleMqttExamples();
    expect(examples.map((e) => (e as { format: string }).format)).toEqual(['shelly-gen1', 'shelly-gen2', 'the-things-stack', 'json']);
    const ctx = { logger: silentLogger(), metrics: new EdgeMetrics(), now: () => 0 };
    for (const config of validate(examples)) expect((await createInput(config, ctx)).name).toBe(config.name);
  });
});
