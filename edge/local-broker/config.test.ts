import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig } from '../../common/config.js';
import { LocalBrokerSchema, resolveLocalBrokerConfig } from './config.js';

/** The block proposed for edge/edge.sample.yaml (uncommented), as the agent config would hold it. */
const LOCAL_BROKER_SAMPLE = `
localBroker:
  enabled: true
  host: 0.0.0.0
  port: 1883
  users:
    - username: tasmota
      password: change-me
  maxPayloadBytes: 1048576
`;

const AgentPart = Type.Object({ localBroker: Type.Optional(LocalBrokerSchema) }, { additionalProperties: false });

describe('local broker configuration', () => {
  it('accepts the sample block', () => {
    const config = validateConfig(parseYaml(LOCAL_BROKER_SAMPLE), AgentPart, 'edge.yaml');
    expect(resolveLocalBrokerConfig(config.localBroker!)).toEqual({ host: '0.0.0.0', port: 1883, users: [{ username: 'tasmota', password: 'change-me' }], maxPayloadBytes: 1_048_576 });
  });

  it('fills documented defaults: disabled, loopback, 1883, 1 MiB', () => {
    const config = validateConfig({ localBroker: {} }, AgentPart, 'edge.yaml');
    expect(config.localBroker).toEqual({ enabled: false, host: '127.0.0.1', port: 1883, maxPayloadBytes: 1_048_576 });
  });

  it('rejects unknown keys and duplicate users with the key named', () => {
    expect(() => validateConfig({ localBroker: { enabled: true, bind: '0.0.0.0' } }, AgentPart, 'edge.yaml')).toThrow(/localBroker\.bind: unknown key/);
    const twice = { users: [{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }] };
    expect(() => resolveLocalBrokerConfig(twice)).toThrow(new ConfigError('localBroker.users: a is listed twice'));
  });
});
