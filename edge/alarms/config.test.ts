import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../common/config.js';
import { AlarmsSchema, resolveAlarmsConfig } from './config.js';

/** The block proposed for edge/edge.sample.yaml (uncommented), as the agent config would hold it. */
const ALARMS_SAMPLE = `
alarms:
  topic: freshtrail/v1/gateways/{gatewayId}/alarms
  checkIntervalMs: 10000
  hook:
    command: [/usr/local/bin/freshtrail-siren, --cold-room]
    timeoutMs: 10000
  rules:
    - id: cold-room-1-warm
      location: cold-room-1
      measure: tempC
      above: 5
      forMs: 900000
      hysteresis: 0.5
    - id: greens-freezing
      location: '*'
      measure: tempC
      below: -0.5
      forMs: 600000
    - id: cold-room-1-dry
      location: cold-room-1
      measure: rh
      below: 90
      forMs: 3600000
      clearAfterMs: 600000
`;

const AgentPart = Type.Object({ alarms: Type.Optional(AlarmsSchema) }, { additionalProperties: false });

describe('alarms configuration', () => {
  it('accepts the sample block and applies per-measure hysteresis defaults', () => {
    const config = validateConfig(parseYaml(ALARMS_SAMPLE), AgentPart, 'edge.yaml');
    const settings = resolveAlarmsConfig(config.alarms!);
    expect(settings.hook).toEqual({ command: ['/usr/local/bin/freshtrail-siren', '--cold-room'], timeoutMs: 10_000 });
    expect(settings.rules.map((r) => [r.id, r.hysteresis, r.clearAfterMs])).toEqual([
      ['cold-room-1-warm', 0.5, 0],
      ['greens-freezing', 0.5, 0],
      ['cold-room-1-dry', 2, 600_000],
    ]);
  });

  it('fills documented defaults for an empty block', () => {
    const config = validateConfig({ alarms: {} }, AgentPart, 'edge.yaml');
    expect(resolveAlarmsConfig(config.alarms!)).toEqual({ rules: [], topic: 'freshtrail/v1/gateways/{gatewayId}/alarms', checkIntervalMs: 10_000, hook: undefined });
  });

  it('rejects unknown keys, wildcard topics and an empty hook command with the key named', () => {
    const rule = { id: 'r', location: '*', measure: 'tempC', above: 5, forMs: 0 };
    expect(() => validateConfig({ alarms: { rules: [{ ...rule, for: 5 }] } }, AgentPart, 'edge.yaml')).toThrow(/alarms\.rules\[0\]\.for: unknown key/);
    expect(() => validateConfig({ alarms: { rules: [{ ...rule, measure: 'tempF' }] } }, AgentPart, 'edge.yaml')).toThrow(/alarms\.rules\[0\]\.measure/);
    expect(() => validateConfig({ alarms: { topic: 'site/+/alarms' } }, AgentPart, 'edge.yaml')).toThrow(/alarms\.topic: must match pattern/);
    expect(() => validateConfig({ alarms: { hook: { command: [] } } }, AgentPart, 'edge.yaml')).toThrow(/alarms\.hook\.command/);
  });
});
